#!/usr/bin/env node
// How much e adds on top of the engine. Interleaved pairs (so load changes hit both sides alike),
// median of the per-pair ratios:
//   1. `e module run hello plan`  vs  `docker run --rm` of the same image, platform and command (target <= 1.15)
//   2. `e --version`              vs  `node -e 0`                                        (target <= 1.5)
// e runs as a user runs it: its bin (bin/e.js, through its launcher line; see NODE_EXTRA_CA_CERTS there).
//
// Then where e's time goes (`phases`): a few more runs of e with a preload that timestamps its
// requests to the engine (start-up, before the container, the container, after it), medians.
//
//   node bench/overhead.mjs [--pairs 10] [--command plan]
// Needs the built CLI (npx tsc -b), a Docker engine and the local registry (make setup).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { arg, comparePairs, median, noteExtraCaCerts, reportTarget, timed } from './support/pairs.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const E = join(ROOT, 'packages/cli/bin/e.js');
const REPOSITORY = join(ROOT, 'repository.yml');
const IMAGE = 'localhost:5000/modules/hello:0.1.0';

const PAIRS = Number(arg('pairs', 10));
const COMMAND = arg('command', 'plan');

// Loaded into e with --import: writes `phase <name> <ms since process start>` to stderr on exit.
const PHASE_PRELOAD = `
import http from 'node:http';
const marks = {};
const mark = (name) => { marks[name] ??= performance.now(); };
const request = http.request;
http.request = function (options, ...rest) {
  const req = request.call(this, options, ...rest);
  const method = options?.method ?? 'GET';
  const path = String(options?.path ?? '');
  mark('first-request');
  if (method === 'POST' && path.startsWith('/containers/create')) mark('create');
  if (method === 'DELETE' && path.startsWith('/containers/')) req.on('response', () => mark('removed'));
  // with AutoRemove the engine removes the container itself: its wait for removal ends then
  if (method === 'POST' && path.startsWith('/containers/') && path.includes('/wait?') && path.includes('condition=removed'))
    req.on('response', (res) => res.on('end', () => mark('removed')));
  return req;
};
process.on('exit', () => {
  mark('exit');
  for (const [name, ms] of Object.entries(marks)) process.stderr.write('phase ' + name + ' ' + ms.toFixed(1) + '\\n');
});
`;

/** Median ms of each phase of `e module run` over `runs` runs (performance.now() counts from process start). */
function phases(runs, args) {
  const spans = {
    'start-up: node and loading e': [],
    'before the container: repository, lock, state, image': [],
    'the container: create to removed': [],
    'after: history, records, lock': [],
  };
  for (let i = 0; i < runs; i++) {
    const result = spawnSync(E, args, {
      env: {
        ...process.env,
        NO_COLOR: '1',
        NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=data:text/javascript,${encodeURIComponent(PHASE_PRELOAD)}`,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const marks = Object.fromEntries(
      [...result.stderr.toString().matchAll(/^phase (\S+) ([\d.]+)$/gm)].map((m) => [m[1], Number(m[2])]),
    );
    if (result.status !== 0 || marks.create === undefined || marks.removed === undefined) {
      throw new Error(`phases: e exited ${result.status}: ${result.stderr.toString().trim().slice(-500)}`);
    }
    const values = [
      marks['first-request'],
      marks.create - marks['first-request'],
      marks.removed - marks.create,
      marks.exit - marks.removed,
    ];
    for (const [j, list] of Object.values(spans).entries()) list.push(values[j]);
  }
  console.log(`\n  where e's time goes (${runs} runs with a timing preload, medians):`);
  for (const [name, values] of Object.entries(spans))
    console.log(`  ${median(values).toFixed(0).padStart(5)} ms  ${name}`);
}

/** What `docker ARGS` printed, trimmed; throws when it fails. */
function dockerText(args) {
  const result = spawnSync('docker', args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`docker ${args.join(' ')}: ${result.stderr.trim()}`);
  return result.stdout.trim();
}

const RUN_TARGET = 1.15;
const VERSION_TARGET = 1.5;
const shared = mkdtempSync(join(tmpdir(), 'e-bench-'));
try {
  noteExtraCaCerts();
  // the engine's own platform, as e runs it: the tag may hold another one locally (a test that ran
  // the arm64 image leaves it there), which docker would run under emulation
  const arch = { x86_64: 'amd64', aarch64: 'arm64' }[dockerText(['info', '--format', '{{.Architecture}}'])];
  if (arch === undefined) throw new Error("cannot tell the engine's architecture (docker info)");
  const platform = `linux/${arch}`;
  dockerText(['pull', '--quiet', '--platform', platform, IMAGE]);
  const run = comparePairs(
    `1. e module run hello ${COMMAND}  vs  docker run --rm ${IMAGE} ${COMMAND}  (${PAIRS} pairs)`,
    RUN_TARGET,
    PAIRS,
    {
      name: 'e',
      run: () => timed(E, ['-r', REPOSITORY, '-s', shared, 'module', 'run', 'hello', COMMAND]),
    },
    {
      name: 'docker',
      run: () =>
        timed('docker', [
          'run',
          '--rm',
          '--platform',
          platform,
          '-v',
          `${shared}:/shared`,
          '-w',
          '/shared',
          IMAGE,
          COMMAND,
        ]),
    },
  );
  phases(PAIRS, ['-r', REPOSITORY, '-s', shared, 'module', 'run', 'hello', COMMAND]);
  const version = comparePairs(
    `2. e --version  vs  node -e 0  (${PAIRS} pairs)`,
    VERSION_TARGET,
    PAIRS,
    { name: 'e --version', run: () => timed(E, ['--version']) },
    { name: 'node -e 0', run: () => timed(process.execPath, ['-e', '0']) },
  );
  const met = [
    reportTarget(
      `e module run hello ${COMMAND} / docker run --rm <= ${RUN_TARGET}`,
      run <= RUN_TARGET,
      `ratio ${run.toFixed(3)}`,
    ),
    reportTarget(
      `e --version / node -e 0 <= ${VERSION_TARGET}`,
      version <= VERSION_TARGET,
      `ratio ${version.toFixed(3)}`,
    ),
  ];
  process.exitCode = met.every(Boolean) ? 0 : 1;
} finally {
  rmSync(shared, { recursive: true, force: true });
}
