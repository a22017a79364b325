// Timing helpers shared by the benchmarks: interleaved pairs (so load changes hit both sides
// alike), medians of the per-pair ratios, and one `target:` line per target, which `make bench`
// (bench/run-all.sh) collects into its summary.
import { spawnSync } from 'node:child_process';

/** Runs a command to its end and returns its wall time in ms; any failure stops the benchmark. */
export function timed(file, args, env = {}) {
  const start = process.hrtime.bigint();
  const result = spawnSync(file, args, {
    env: withoutUnset({ ...process.env, NO_COLOR: '1', ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 1 << 28,
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) {
    throw new Error(
      `${file} ${args.join(' ')} exited ${result.status}: ${result.stderr.toString().trim().slice(-500)}`,
    );
  }
  return ms;
}

export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/**
 * `a` against `b` in `pairs` interleaved pairs (which side goes first alternates) after one
 * warm-up run of each; prints every pair and the medians, returns the median of the per-pair ratios.
 */
export function comparePairs(title, target, pairs, a, b) {
  a.run(); // warm-up: image pulled, caches filled
  b.run();
  const rows = [];
  for (let i = 0; i < pairs; i++) {
    const [first, second] = i % 2 === 0 ? [a, b] : [b, a];
    const t1 = first.run();
    const t2 = second.run();
    const ta = first === a ? t1 : t2;
    const tb = first === a ? t2 : t1;
    rows.push({ a: ta, b: tb, ratio: ta / tb });
  }
  const ratio = median(rows.map((r) => r.ratio));
  console.log(`\n${title}`);
  for (const [i, r] of rows.entries()) {
    console.log(
      `  pair ${String(i + 1).padStart(2)}: ${a.name} ${r.a.toFixed(0).padStart(5)} ms   ${b.name} ${r.b.toFixed(0).padStart(5)} ms   ratio ${r.ratio.toFixed(3)}`,
    );
  }
  console.log(
    `  median: ${a.name} ${median(rows.map((r) => r.a)).toFixed(0)} ms, ${b.name} ${median(rows.map((r) => r.b)).toFixed(0)} ms`,
  );
  console.log(`  median ratio ${ratio.toFixed(3)} (target <= ${target}: ${ratio <= target ? 'met' : 'MISSED'})`);
  return ratio;
}

/**
 * Prints `target: <what>: met|MISSED (<measured>)`, the line bench/run-all.sh summarises, and
 * returns whether it was met.
 */
export function reportTarget(what, met, measured) {
  console.log(`target: ${what}: ${met ? 'met' : 'MISSED'} (${measured})`);
  return met;
}

/** The value after `--<name>` on the command line, else `fallback`. */
export const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : process.argv[i + 1];
};

/**
 * A line on NODE_EXTRA_CA_CERTS when it is set: Node reads its file as it starts (~40 ms here), so
 * `node -e 0` pays for it, while e's launcher (bin/e.js) leaves it to e's first TLS connection.
 */
export function noteExtraCaCerts() {
  if ((process.env.NODE_EXTRA_CA_CERTS ?? '') === '') return;
  console.log(
    '  NODE_EXTRA_CA_CERTS is set here: node loads its certificates as it starts, e (its launcher) before its first TLS connection',
  );
}

/** The environment without the variables set to undefined (spawn would pass them as "undefined"). */
function withoutUnset(env) {
  return Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined));
}
