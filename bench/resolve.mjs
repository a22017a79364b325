#!/usr/bin/env node
// Benchmark of dependency resolution: generates repositories of 1k, 2k, 4k and 8k components in
// which the requested module sits on top of chains of strong requirements (with version ranges,
// two versions per component and weak companions), then times
//   e module install c0 --with-deps --dry-run -r <file> -s <empty dir>
// end to end (node start, YAML load and validation, resolution, output), and the resolver alone
// in-process. Prints the first run (which reads the YAML and fills e's cache of large repository
// files), the median of several runs after it, and the growth ratio per doubling.
// Targets: the whole command on 8k components under 0.8 s, its growth per doubling ≤ 2.2×
// (the resolver alone: under 0.5 s, printed for reference).
// Usage: node bench/resolve.mjs [runs]   (build first: npx tsc -b)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { reportTarget } from './support/pairs.mjs';

const runs = Number(process.argv[2] ?? 5);
const sizes = [1000, 2000, 4000, 8000];
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'packages/cli/bin/e.js');
const core = await import(pathToFileURL(join(root, 'packages/core/dist/index.js')).href);

/**
 * Chains of 50 components: component i requires the next one of its chain by kind and a version
 * range; the last of each chain requires the first of the next chain, so c0 pulls in everything.
 * Each component also weakly requires the component two steps ahead (ordering only).
 */
function generate(count) {
  const lines = ['version: v1', 'kind: Repository', 'components:'];
  for (let i = 0; i < count; i++) {
    const name = `c${i}`;
    lines.push(`  - name: ${name}`, '    type: docker', '    versions:');
    for (const version of ['1.0.0', '1.1.0']) {
      lines.push(
        `      - version: "${version}"`,
        ...(version === '1.1.0' ? ['        latest: true'] : []),
        `        image: localhost:5000/bench/${name}:${version}`,
        `        labels: {version: "${version}", kind: k${i}, chain: ch${Math.floor(i / 50)}}`,
        '        requires:',
        ...(i + 1 < count
          ? [
              '          strong:',
              `            - - {key: kind, operator: eq, values: [k${i + 1}]}`,
              '              - {key: version, operator: semver, values: [">=1.0.0 <2"]}',
            ]
          : []),
        '          weak:',
        `            - - {key: kind, operator: eq, values: [k${i + 2}]}`,
        '        commands:',
        '          - {name: metadata, command: metadata}',
        '          - {name: init, command: init}',
        '          - {name: plan, command: plan}',
        '          - {name: apply, command: apply}',
        '          - {name: audit, command: audit}',
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const dir = mkdtempSync(join(tmpdir(), 'e-bench-resolve-'));
try {
  const shared = join(dir, 'shared');
  // e's cache of read repository files, empty at the start: each size's first run fills it
  process.env.XDG_CACHE_HOME = join(dir, 'cache');
  const noop = [];
  for (let r = 0; r < runs; r++) {
    const started = process.hrtime.bigint();
    spawnSync(process.execPath, ['-e', '0']);
    noop.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  const rows = [];
  for (const size of sizes) {
    const file = join(dir, `repository-${size}.yml`);
    writeFileSync(file, generate(size));
    // a repository file that has been there a while: e keeps a large one it has read and checked
    // (docs/repository.md), but not one changed within the last two seconds
    const minuteAgo = new Date(Date.now() - 60_000);
    utimesSync(file, minuteAgo, minuteAgo);
    const cli = [];
    let first;
    for (let r = 0; r <= runs; r++) {
      const started = process.hrtime.bigint();
      const res = spawnSync(
        process.execPath,
        [bin, 'module', 'install', 'c0', '--with-deps', '--dry-run', '-r', file, '-s', shared],
        { encoding: 'utf8', maxBuffer: 1 << 30 },
      );
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (r === 0) first = ms;
      else cli.push(ms);
      if (res.status !== 0) throw new Error(`e exited ${res.status}: ${res.stderr}`);
      const steps = res.stdout.split('\n').filter((line) => /^ {2}\d+\. /.test(line)).length;
      if (steps !== size) throw new Error(`expected ${size} steps, got ${steps}`);
    }
    rows.push({ size, file, first, cli: median(cli) });
  }
  // the resolver in this process, after every e run: a large heap here makes each spawn slower
  for (const row of rows) {
    const repository = await core.loadRepository(row.file);
    const resolver = [];
    for (let r = 0; r < runs; r++) {
      const started = process.hrtime.bigint();
      const result = core.resolveInstall({
        repository,
        installed: {},
        request: { name: 'c0' },
        options: { withDeps: true },
      });
      resolver.push(Number(process.hrtime.bigint() - started) / 1e6);
      if (!result.ok || result.steps.length !== row.size) throw new Error('resolution failed');
    }
    row.resolver = median(resolver);
  }
  console.log(
    `median of ${runs} runs after a first one (which reads the YAML and fills e's cache); node -e 0 takes ${median(noop).toFixed(0)} ms here`,
  );
  console.log('components  first run (ms)  e install --dry-run (ms)  growth  resolveInstall (ms)  growth');
  rows.forEach((row, i) => {
    const prev = rows[i - 1];
    const g = (a, b) => (b === undefined ? '     -' : `${(a / b).toFixed(2)}×`.padStart(6));
    console.log(
      `${String(row.size).padStart(10)}  ${row.first.toFixed(0).padStart(13)}  ${row.cli.toFixed(0).padStart(24)}  ${g(row.cli, prev?.cli)}  ${row.resolver
        .toFixed(1)
        .padStart(19)}  ${g(row.resolver, prev?.resolver)}`,
    );
  });
  const last = rows.at(-1);
  const worst = Math.max(...rows.slice(1).map((row, i) => row.resolver / rows[i].resolver));
  const worstCli = Math.max(...rows.slice(1).map((row, i) => row.cli / rows[i].cli));
  console.log(
    `8k: resolver ${last.resolver.toFixed(0)} ms (target < 500), whole command ${last.cli.toFixed(0)} ms ` +
      `(${last.first.toFixed(0)} ms the first time); ` +
      `worst growth per doubling: resolver ${worst.toFixed(2)}×, command ${worstCli.toFixed(2)}× (target ≤ 2.2×)`,
  );
  const met = [
    reportTarget(
      'e module install c0 --with-deps --dry-run on 8k modules < 800 ms',
      last.cli < 800,
      `${last.cli.toFixed(0)} ms`,
    ),
    reportTarget('its growth per doubling of the modules <= 2.2', worstCli <= 2.2, `worst ${worstCli.toFixed(2)}×`),
  ];
  process.exitCode = met.every(Boolean) ? 0 : 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
