import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { parse, stringify } from 'yaml';
import { build, docker, pull, push } from './support/docker.js';
import { e, eContainers, eIn, RUNTIME_REPOSITORY, tempShared } from './support/run-e.js';
import { requireTestImages, stateData } from './support/runtime-fixtures.js';

/*
 * Isolated runs, seen from outside through the built CLI: a batch runs independent modules at the
 * same time, an installed module keeps running the digest e recorded when the tag is re-pushed,
 * and clean-up removes only containers whose run is known to be dead on this host.
 */

beforeAll(requireTestImages);

/** The shared directories of this file: none may keep an e container once its tests are done. */
const sharedDirs: string[] = [];
function shared(): string {
  const dir = tempShared();
  sharedDirs.push(dir);
  return dir;
}
// Scoped to this file's directories (not expectNoEContainers): the engine is shared with other e
// processes, whose live containers are not this file's leftovers.
afterAll(async () => {
  for (const dir of sharedDirs) expect(await eContainers(dir), `e containers of ${dir}`).toEqual([]);
});

interface RunEntry {
  seq: number;
  module: string;
  command: string;
  time: string;
  durationMs: number;
  digest?: string;
  outcome: string;
}

function history(shared: string): RunEntry[] {
  const dir = join(shared, '.e/history');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => JSON.parse(readFileSync(join(dir, name), 'utf8')) as RunEntry);
}

interface Interval {
  start: number;
  end: number;
  text: string;
}

/** When the only run of `module command` started and ended, from its history entry. */
function interval(shared: string, module: string, command: string): Interval {
  const runs = history(shared).filter((r) => r.module === module && r.command === command);
  expect(runs, `history entries of ${module} ${command}`).toHaveLength(1);
  const run = runs[0] as RunEntry;
  expect(run.outcome).toBe('succeeded');
  const start = Date.parse(run.time);
  return { start, end: start + run.durationMs, text: `${module} ${command} ${run.time} +${run.durationMs} ms` };
}

const overlap = (a: Interval, b: Interval) => a.start < b.end && b.start < a.end;

function installedRecords(shared: string): Record<string, { digest: string; status: string }> {
  return (stateData(shared).e as { installed: Record<string, { digest: string; status: string }> }).installed;
}

/** The engine's architecture as image platforms name it. */
async function engineArch(): Promise<string> {
  const arch = (await docker.info()).Architecture as string;
  return ({ x86_64: 'amd64', aarch64: 'arm64' } as Record<string, string>)[arch] ?? arch;
}

/** hello's single-platform image for the engine (setup builds and pushes it as hello:0.1.0-<arch>). */
async function helloImage(): Promise<string> {
  const arch = await engineArch();
  const ref = `localhost:5000/modules/hello:0.1.0-${arch}`;
  const local = await docker
    .getImage(ref)
    .inspect()
    .catch(() => undefined);
  if (local === undefined) await pull(ref, `linux/${arch}`);
  return ref;
}

describe('batches run independent modules at the same time', () => {
  it('install --with-deps --parallel 2: the applies of slow-a and slow-b overlap, stack-top waits for both; e plan --all --parallel 2 plans all three', async () => {
    const dir = shared();
    const install = await eIn(dir, ['module', 'install', 'stack-top', '--with-deps', '--parallel', '2', '-y']);
    expect(install.exitCode, install.stderr).toBe(0);
    expect(install.stdout).toContain('Installed: slow-a 0.1.0, slow-b 0.1.0, stack-top 0.1.0.');

    const a = interval(dir, 'slow-a', 'apply');
    const b = interval(dir, 'slow-b', 'apply');
    expect(overlap(a, b), `${a.text} and ${b.text} should overlap`).toBe(true);
    // stack-top strongly requires both: it changes nothing before both are applied
    const top = interval(dir, 'stack-top', 'init');
    expect(top.start, `${top.text} after ${a.text} and ${b.text}`).toBeGreaterThanOrEqual(Math.max(a.end, b.end));

    const state = stateData(dir);
    expect(state['slow-a']).toEqual({ status: 'applied', applies: 1 });
    expect(state['slow-b']).toEqual({ status: 'applied', applies: 1 });
    expect(Object.keys(installedRecords(dir)).sort()).toEqual(['slow-a', 'slow-b', 'stack-top']);

    const before = history(dir).length;
    const plan = await eIn(dir, ['-o', 'json', 'plan', '--all', '--parallel', '2']);
    expect(plan.exitCode, plan.stderr).toBe(0);
    const planned = (JSON.parse(plan.stdout) as { modules: { module: string; version: string; exitCode: number }[] })
      .modules;
    expect([...planned].sort((x, y) => x.module.localeCompare(y.module))).toEqual([
      { module: 'slow-a', version: '0.1.0', exitCode: 0 },
      { module: 'slow-b', version: '0.1.0', exitCode: 0 },
      { module: 'stack-top', version: '0.1.0', exitCode: 0 },
    ]);
    const added = history(dir).slice(before);
    expect(added.map((r) => `${r.module} ${r.command}`).sort()).toEqual([
      'slow-a plan',
      'slow-b plan',
      'stack-top plan',
    ]);
  });

  it('install --with-deps --parallel 1: the applies of slow-a and slow-b do not overlap', async () => {
    const dir = shared();
    const install = await eIn(dir, ['module', 'install', 'stack-top', '--with-deps', '--parallel', '1', '-y']);
    expect(install.exitCode, install.stderr).toBe(0);
    expect(install.stdout).toContain('Installed: slow-a 0.1.0, slow-b 0.1.0, stack-top 0.1.0.');
    const a = interval(dir, 'slow-a', 'apply');
    const b = interval(dir, 'slow-b', 'apply');
    expect(overlap(a, b), `${a.text} and ${b.text} should not overlap`).toBe(false);
  });
});

const MANIFEST_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.index.v1+json',
].join(', ');

/** The digest the local registry names for `name:tag` now. */
async function registryDigest(name: string, tag: string): Promise<string> {
  const res = await fetch(`http://127.0.0.1:5000/v2/${name}/manifests/${tag}`, {
    method: 'HEAD',
    headers: { accept: MANIFEST_TYPES },
  });
  const digest = res.headers.get('docker-content-digest');
  if (!res.ok || digest === null) throw new Error(`the registry has no ${name}:${tag} (HTTP ${res.status})`);
  return digest;
}

/** Removes a local image reference (tag or repo@digest), never the image under another name. */
async function untag(ref: string): Promise<void> {
  await docker
    .getImage(ref)
    .remove()
    .catch((error: { statusCode?: number }) => {
      if (error.statusCode !== 404) throw error;
    });
}

describe('a re-pushed tag does not change what runs', () => {
  it('e apply runs the digest recorded at init and says a newer image exists; --pull always moves to it', async () => {
    const name = 'test-modules/retag';
    const repo = `localhost:5000/${name}`;
    // a tag of its own per run: the registry keeps it (a test namespace), nothing else uses it
    const tag = `t${Date.now().toString(36)}${process.pid}`;
    const ref = `${repo}:${tag}`;
    const pushed: string[] = [];
    onTestFinished(async () => {
      await untag(ref);
      for (const digest of pushed) await untag(`${repo}@${digest}`);
    });

    const hello = await helloImage();
    await docker.getImage(hello).tag({ repo, tag });
    await push(ref);
    const first = await registryDigest(name, tag);
    pushed.push(first);

    // a temporary repository whose module retag is hello under the test tag
    const fixture = parse(readFileSync(RUNTIME_REPOSITORY, 'utf8')) as {
      components: { name: string; versions: Record<string, unknown>[] }[];
    };
    const helloEntry = fixture.components.find((c) => c.name === 'hello');
    expect(helloEntry).toBeDefined();
    const retag = {
      ...helloEntry,
      name: 'retag',
      versions: [{ ...helloEntry?.versions[0], image: ref, architectures: [await engineArch()] }],
    };
    const repoDir = mkdtempSync(join(tmpdir(), 'e-test-retag-'));
    onTestFinished(() => rmSync(repoDir, { recursive: true, force: true }));
    const repositoryFile = join(repoDir, 'repository.yml');
    writeFileSync(repositoryFile, stringify({ version: 'v1', kind: 'Repository', components: [retag] }));
    const dir = shared();
    const run = (args: string[]) => e(['-r', repositoryFile, '-s', dir, ...args]);

    const init = await run(['init', 'retag']);
    expect(init.exitCode, init.stderr).toBe(0);
    const recorded = installedRecords(dir).retag?.digest;
    expect(recorded).toBe(`${repo}@${first}`);

    // the same tag now names another image: hello with one more label
    await build(`FROM ${ref}\nLABEL org.e.test.retag=${tag}\n`, ref);
    await push(ref);
    const second = await registryDigest(name, tag);
    pushed.push(second);
    expect(second).not.toBe(first);

    const apply = await run(['apply', 'retag', '-y']);
    expect(apply.exitCode, apply.stderr).toBe(0);
    expect(apply.stdout).toContain('retag | hello from apply on');
    expect(history(dir).at(-1)).toMatchObject({ module: 'retag', command: 'apply', digest: recorded });
    expect(installedRecords(dir).retag?.digest).toBe(recorded);
    expect(apply.stderr).toContain(
      `${ref} now names ${second.slice(0, 19)}…, not the recorded ${first.slice(0, 19)}… that runs; e module upgrade retag (or --pull always) moves to it.`,
    );

    const always = await run(['apply', 'retag', '-y', '--pull', 'always']);
    expect(always.exitCode, always.stderr).toBe(0);
    expect(history(dir).at(-1)).toMatchObject({ module: 'retag', command: 'apply', digest: `${repo}@${second}` });
    expect(installedRecords(dir).retag?.digest).toBe(`${repo}@${second}`);
    expect(always.stderr).not.toContain('now names');
  });
});

/** A stopped container of the hello image labelled as an e run of `shared`; removed when the test ends. */
async function labelledContainer(shared: string, owner: { host: string; pid: number }): Promise<string> {
  const container = await docker.createContainer({
    Image: await helloImage(),
    Cmd: ['apply'],
    Labels: {
      'org.e.run.managed-by': 'e',
      'org.e.run.module': 'hello',
      'org.e.run.version': '0.1.0',
      'org.e.run.command': 'apply',
      'org.e.run.shared': shared,
      'org.e.run.host': owner.host,
      'org.e.run.pid': String(owner.pid),
      'org.e.run.started-at': new Date().toISOString(),
      'org.e.run.id': `test-${Date.now().toString(36)}`,
    },
  });
  onTestFinished(async () => {
    await container.remove({ force: true }).catch((error: { statusCode?: number }) => {
      if (error.statusCode !== 404) throw error;
    });
  });
  return container.id;
}

async function exists(id: string): Promise<boolean> {
  return (await docker.listContainers({ all: true, filters: JSON.stringify({ id: [id] }) })).length > 0;
}

describe('leftover containers', () => {
  it("another host's container of this shared directory survives e runs and e state unlock; --force removes it", async () => {
    const dir = shared();
    const elsewhere = shared();
    const foreign = await labelledContainer(dir, { host: 'another-host.example', pid: 1 });
    const otherDir = await labelledContainer(elsewhere, { host: 'another-host.example', pid: 1 });
    const short = foreign.slice(0, 12);

    const plan = await eIn(dir, ['plan', 'hello']);
    expect(plan.exitCode, plan.stderr).toBe(0);
    expect(plan.stderr).toContain(
      `Left alone a container of this shared directory started elsewhere: hello apply (${short}) from host another-host.example; e state unlock --force removes it once that host's e is gone.`,
    );
    expect(plan.stderr).not.toContain('Removed the container');
    expect(await exists(foreign)).toBe(true);

    const unlock = await eIn(dir, ['state', 'unlock']);
    expect(unlock.exitCode, unlock.stderr).toBe(0);
    expect(unlock.stdout).toContain(
      `1 container of ${dir} started from another host, where e cannot tell whether the run is still going:\n  hello apply (${short}) from host another-host.example`,
    );
    expect(await exists(foreign)).toBe(true);

    const forced = await eIn(dir, ['state', 'unlock', '--force']);
    expect(forced.exitCode, forced.stderr).toBe(0);
    expect(forced.stdout).toContain(
      `Removed 1 container of e runs on ${dir}:\n  hello apply (${short}) from host another-host.example`,
    );
    expect(await exists(foreign)).toBe(false);
    // --force is about this shared directory only
    expect(await exists(otherDir)).toBe(true);
  });

  it('containers of this host left by a dead e, or by another process on this shared directory, are removed by the next e run', async () => {
    const dir = shared();
    const gone = spawnSync(process.execPath, ['-e', '0']);
    expect(gone.status).toBe(0);
    const dead = await labelledContainer(dir, { host: hostname(), pid: gone.pid });
    // alive, but not the e holding the lock on this directory: its run cannot be legitimate
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 120000)'], { stdio: 'ignore' });
    onTestFinished(() => {
      other.kill();
    });
    const stray = await labelledContainer(dir, { host: hostname(), pid: other.pid as number });

    const plan = await eIn(dir, ['plan', 'hello']);
    expect(plan.exitCode, plan.stderr).toBe(0);
    expect(await exists(dead)).toBe(false);
    expect(await exists(stray)).toBe(false);
    // any e on this host removes a dead e's container, whatever its shared directory, so an e of
    // someone else sharing this engine may get to `dead` first; only this one may remove `stray`
    expect(plan.stderr).toContain(
      `Removed the container of an earlier run that was left behind: hello apply (${stray.slice(0, 12)}).`,
    );
    expect(other.exitCode, 'the process itself is left alone').toBeNull();
  });
});
