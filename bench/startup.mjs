#!/usr/bin/env node
// How close e's start-up is to Node's own: commands that only read (no engine, no container)
// against `node -e 0`, in interleaved pairs, median of the per-pair ratios (target <= 1.3 each):
//   e status                  on a shared directory with two installed modules
//   e repo list               on the project's repository.yml
//   e repo search <selector>  on the project's repository.yml
//
// e runs as a user runs it: its bin (bin/e.js, through its launcher line). Where NODE_EXTRA_CA_CERTS is
// set, node loads its file as it starts (~40 ms) and e only before its first TLS connection, so the
// pairs run again without it, on both sides: that ratio is e's own start against Node's.
//
//   node bench/startup.mjs [--pairs 15]   (needs the built CLI: make setup)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { arg, comparePairs, median, noteExtraCaCerts, reportTarget, timed } from './support/pairs.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const E = join(ROOT, 'packages/cli/bin/e.js');
const REPOSITORY = join(ROOT, 'repository.yml');
const TARGET = 1.3;
const LOADER = join(ROOT, 'packages/cli/bin/bundle-loader.js');

const PAIRS = Number(arg('pairs', 15));

/** A state.yml as e leaves it after installing hello and azi (their sections and e's records). */
function stateText() {
  const record = (labels) =>
    [
      '      version: 0.1.0',
      `      labels: {${labels}}`,
      '      status: applied',
      '      installedAt: 2026-01-01T00:00:00.000Z',
      '      updatedAt: 2026-01-02T00:00:00.000Z',
      '      needsPlan: false',
    ].join('\n');
  return `hello:\n  greeting: hello\nazi:\n  region: westeurope\ne:\n  installed:\n    hello:\n${record(
    'kind: example, name: Hello',
  )}\n    azi:\n${record('kind: infrastructure, provider: azure')}\n`;
}

// Run in a child Node as bin/e.js runs e (the bundle it would choose for the command): prints the
// ms since process start (wall, and CPU of this process) before e's code, after loading the
// bundle, and after the command (with fs.writeSync: a stream of its own would add to `exit`).
const PHASES_SCRIPT = `
const mark = () => { const c = process.cpuUsage(); return [performance.now(), (c.user + c.system) / 1000]; };
const marks = [mark()];
const loader = require(${JSON.stringify(LOADER)});
const bundle = loader.bundleFor(['node', 'e', ...process.argv.slice(1)]);
if (bundle === undefined) throw new Error('no fresh bundle: run make setup');
const { exports, cache } = loader.loadBundle(bundle);
marks.push(mark());
// the read-only bundle runs the command line as the loader read it (bin/e.js)
const line = loader.isReadOnly(bundle) ? loader.parseReadArgs(process.argv.slice(1)) : undefined;
exports.main(['node', 'e', ...process.argv.slice(1)], line).then(() => {
  marks.push(mark());
  process.on('exit', () => require('node:fs').writeSync(2, 'phases ' + JSON.stringify({ marks: [...marks, mark()], cache, bundle: require('node:path').basename(bundle) }) + '\\n'));
});
`;

/** Where e's time goes for one command (medians of `runs` runs): Node's own start, loading e, the command, exit. */
function phases(runs, args) {
  const rows = [];
  let cache;
  let bundle;
  for (let i = 0; i < runs; i++) {
    // as e's launcher starts Node: without NODE_EXTRA_CA_CERTS
    const { NODE_EXTRA_CA_CERTS: _deferred, ...env } = process.env;
    const result = spawnSync(process.execPath, ['-e', PHASES_SCRIPT, '--', ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const line = /^phases (.*)$/m.exec(result.stderr.toString());
    if (result.status !== 0 || line === null) throw new Error(`phases: ${result.stderr.toString().slice(-500)}`);
    const parsed = JSON.parse(line[1]);
    cache = parsed.cache;
    bundle = parsed.bundle;
    rows.push(
      parsed.marks.map((m, j) => (j === 0 ? m : [m[0] - parsed.marks[j - 1][0], m[1] - parsed.marks[j - 1][1]])),
    );
  }
  const names = [
    "Node's own start (before e's code; without NODE_EXTRA_CA_CERTS, as the launcher starts it)",
    `loading e's bundle (${bundle}, code cache: ${cache})`,
    'the command',
    'exit',
  ];
  console.log(
    `\n  where e ${args.slice(4).join(' ')} spends its time (${runs} runs, medians; wall and this process's CPU):`,
  );
  names.forEach((name, j) => {
    const wall = median(rows.map((r) => r[j][0]));
    const cpu = median(rows.map((r) => r[j][1]));
    console.log(`  ${wall.toFixed(1).padStart(6)} ms wall ${cpu.toFixed(1).padStart(6)} ms CPU  ${name}`);
  });
}

const shared = mkdtempSync(join(tmpdir(), 'e-bench-startup-'));
try {
  writeFileSync(join(shared, 'state.yml'), stateText());
  noteExtraCaCerts();
  const commands = [
    ['e status', ['status']],
    ['e repo list', ['repo', 'list']],
    ["e repo search 'kind=example'", ['repo', 'search', 'kind=example']],
  ];
  const environments = [['', {}]];
  if ((process.env.NODE_EXTRA_CA_CERTS ?? '') !== '')
    environments.push([' without NODE_EXTRA_CA_CERTS', { NODE_EXTRA_CA_CERTS: undefined }]);
  const met = environments.flatMap(([where, env]) =>
    commands.map(([name, args]) => {
      const ratio = comparePairs(
        `${name}  vs  node -e 0${where}  (${PAIRS} pairs)`,
        TARGET,
        PAIRS,
        { name: 'e', run: () => timed(E, ['-r', REPOSITORY, '-s', shared, ...args], env) },
        { name: 'node -e 0', run: () => timed(process.execPath, ['-e', '0'], env) },
      );
      return reportTarget(`${name} / node -e 0${where} <= ${TARGET}`, ratio <= TARGET, `ratio ${ratio.toFixed(3)}`);
    }),
  );
  phases(PAIRS, ['-r', REPOSITORY, '-s', shared, 'status']);
  process.exitCode = met.every(Boolean) ? 0 : 1;
} finally {
  rmSync(shared, { recursive: true, force: true });
}
