#!/usr/bin/env node
// What a state backend costs. Interleaved pairs (so load changes hit both sides alike), median of
// the per-pair ratios:
//   1. `e plan azi` with the state in PostgreSQL (--state)  vs  with the local shared directory   (target <= 1.2)
// Further sections (the remote engine ÷ the local engine) add themselves to SECTIONS below.
//
//   node bench/backend.mjs [--pairs 10]
// Needs the built CLI (npx tsc -b), a Docker engine, the local registry and Debian's postgresql
// (make setup): it starts a throw-away PostgreSQL cluster on 127.0.0.1 and removes it afterwards.
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../test/support/free-port.mjs';
import { arg, comparePairs, reportTarget } from './support/pairs.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const E = join(ROOT, 'packages/cli/bin/e.js');
const REPOSITORY = join(ROOT, 'repository.yml');

const PAIRS = Number(arg('pairs', 10));

/** Runs e to its end and returns its wall time in ms; any failure stops the benchmark. */
function timedE(args, env = {}) {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [E, ...args], {
    env: { ...process.env, NO_COLOR: '1', E_PLATFORM: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) {
    throw new Error(`e ${args.join(' ')} exited ${result.status}: ${result.stderr.toString().trim().slice(-500)}`);
  }
  return ms;
}

/** A throw-away cluster as in test/support/postgres.ts: initdb + pg_ctl as `postgres`, on a free port. */
async function startPostgres() {
  const root = '/usr/lib/postgresql';
  const version = readdirSync(root).sort((x, y) => Number(y) - Number(x))[0];
  if (version === undefined) throw new Error(`no PostgreSQL under ${root}: run make setup`);
  const bin = join(root, version, 'bin');
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const dir = mkdtempSync(join(tmpdir(), 'e-bench-pg-'));
  chownSync(dir, uid, uid);
  const port = await freePort();
  const asPostgres = (args) => execFileSync('runuser', ['-u', 'postgres', '--', ...args], { cwd: dir, stdio: 'pipe' });
  const data = join(dir, 'data');
  asPostgres([join(bin, 'initdb'), '-D', data, '-U', 'e', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
  const options = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir}`;
  asPostgres([join(bin, 'pg_ctl'), '-D', data, '-l', join(dir, 'postgres.log'), '-w', '-o', options, 'start']);
  return {
    url: `postgres://e@127.0.0.1:${port}/postgres`,
    stop() {
      try {
        asPostgres([join(bin, 'pg_ctl'), '-D', data, '-m', 'fast', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** Section 1: e plan with the state in PostgreSQL ÷ with the local shared directory. */
async function postgresVsLocal(scratch) {
  const pg = await startPostgres();
  try {
    const local = join(scratch, 'local');
    const work = join(scratch, 'work');
    const state = ['--state', pg.url, '--env', 'bench'];
    timedE(['-r', REPOSITORY, '-s', local, 'module', 'install', 'azi', '-y']);
    timedE(['-r', REPOSITORY, '-s', local, ...state, 'state', 'push']);
    return comparePairs(
      'e plan azi: state in PostgreSQL ÷ state in the local directory',
      1.2,
      PAIRS,
      { name: 'postgres', run: () => timedE(['-r', REPOSITORY, '-s', work, ...state, 'plan', 'azi']) },
      { name: 'local', run: () => timedE(['-r', REPOSITORY, '-s', local, 'plan', 'azi']) },
    );
  } finally {
    pg.stop();
  }
}

/** Each section gets its own scratch directory and returns its ratio. */
const SECTIONS = [
  { name: 'postgres ÷ local state', run: postgresVsLocal },
  {
    name: 'remote ÷ local engine',
    run: async (scratch) =>
      (await import('./support/remote-engine.mjs')).remoteVsLocal(scratch, {
        timedE,
        // with this run's --pairs
        comparePairs: (title, target, a, b) => comparePairs(title, target, PAIRS, a, b),
        REPOSITORY,
      }),
  },
];

const ratios = [];
for (const section of SECTIONS) {
  const scratch = mkdtempSync(join(tmpdir(), 'e-bench-backend-'));
  try {
    const ratio = await section.run(scratch);
    reportTarget(`e plan, ${section.name} <= 1.2`, ratio <= 1.2, ratio.toFixed(3));
    ratios.push(`${section.name}: ${ratio.toFixed(3)}`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
console.log(`\nratios: ${ratios.join('; ')}`);
