#!/usr/bin/env node
// How close e's start-up is to Node's own: commands that only read (no engine, no container)
// against `node -e 0`, in interleaved pairs, median of the per-pair ratios (target <= 1.3 each):
//   e status                  on a shared directory with two installed modules
//   e repo list               on the project's repository.yml
//   e repo search <selector>  on the project's repository.yml
//
//   node bench/startup.mjs [--pairs 15]   (needs the built CLI: make setup)
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { comparePairs, reportTarget, timed } from './support/pairs.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const E = join(ROOT, 'packages/cli/bin/e.js');
const REPOSITORY = join(ROOT, 'repository.yml');
const TARGET = 1.3;

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : process.argv[i + 1];
};
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

const shared = mkdtempSync(join(tmpdir(), 'e-bench-startup-'));
try {
  writeFileSync(join(shared, 'state.yml'), stateText());
  const node = { name: 'node -e 0', run: () => timed(process.execPath, ['-e', '0']) };
  const commands = [
    ['e status', ['status']],
    ['e repo list', ['repo', 'list']],
    ["e repo search 'kind=example'", ['repo', 'search', 'kind=example']],
  ];
  const met = commands.map(([name, args]) => {
    const ratio = comparePairs(
      `${name}  vs  node -e 0  (${PAIRS} pairs)`,
      TARGET,
      PAIRS,
      { name: 'e', run: () => timed(process.execPath, [E, '-r', REPOSITORY, '-s', shared, ...args]) },
      node,
    );
    return reportTarget(`${name} / node -e 0 <= ${TARGET}`, ratio <= TARGET, `ratio ${ratio.toFixed(3)}`);
  });
  process.exitCode = met.every(Boolean) ? 0 : 1;
} finally {
  rmSync(shared, { recursive: true, force: true });
}
