/*
 * Module runs with the state in PostgreSQL (--state): several e processes, each with its own
 * working directory, against one environment of a throw-away cluster (support/postgres.ts). The
 * walk-through with the state in PostgreSQL and the modules on a second engine is in
 * remote-engine.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { startPostgres, type TestPostgres } from './support/postgres.js';
import { e, eContainers, RUNTIME_REPOSITORY, startE, tempShared, waitFor } from './support/run-e.js';
import { expectNoEContainers, requireTestImages } from './support/runtime-fixtures.js';

let pg: TestPostgres;
beforeAll(async () => {
  await requireTestImages();
  pg = await startPostgres();
});
afterAll(async () => {
  pg?.stop();
  await expectNoEContainers();
});

let schemas = 0;
function freshUrl(): string {
  schemas += 1;
  return pg.stateUrl(`r${process.pid}_${schemas}`);
}

/** `e -r <runtime repository> -s <dir> --state <url> ...args` */
function eOn(url: string, dir: string, args: readonly string[]) {
  return ['-r', RUNTIME_REPOSITORY, '-s', dir, '--state', url, ...args];
}

/** The environment's state as a fresh working copy sees it. */
async function canonicalState(url: string): Promise<Record<string, unknown>> {
  const shown = await e(['-r', RUNTIME_REPOSITORY, '-s', tempShared(), '--state', url, 'state', 'show', '-o', 'json']);
  expect(shown.exitCode, shown.stderr).toBe(0);
  return JSON.parse(shown.stdout) as Record<string, unknown>;
}

const containerRunning = (shared: string) =>
  waitFor('the module container to start', async () => ((await eContainers(shared)).length > 0 ? true : undefined));

describe('two e processes, two working directories, one PostgreSQL environment', () => {
  it('two applies at once: the second waits for the holder (named) and neither update is lost', async () => {
    const url = freshUrl();
    const [dirA, dirB] = [tempShared(), tempShared()];
    const a = startE([...eOn(url, dirA, ['apply', 'slow-a', '-y', '--lock-timeout', '60s'])]);
    await containerRunning(dirA);
    const b = startE([...eOn(url, dirB, ['apply', 'slow-b', '-y', '--lock-timeout', '60s'])]);
    const [ra, rb] = await Promise.all([a.done, b.done]);
    expect(ra.exitCode, ra.stderr).toBe(0);
    expect(rb.exitCode, rb.stderr).toBe(0);
    expect(rb.stderr).toMatch(/Waiting up to 60s for the state lock held by pid \d+ on host .* \(e .*apply slow-a -y/);
    const state = await canonicalState(url);
    expect(state['slow-a']).toEqual({ status: 'applied', applies: 1 });
    expect(state['slow-b']).toEqual({ status: 'applied', applies: 1 });
    expect(Object.keys((state.e as { installed: object }).installed).sort()).toEqual(['slow-a', 'slow-b']);
    // the history of both runs is there too, in order
    const history = await e(eOn(url, dirA, ['state', 'history', '-o', 'json']));
    const entries = JSON.parse(history.stdout) as { module: string; outcome: string }[];
    expect(entries.map((x) => `${x.module} ${x.outcome}`)).toEqual(['slow-a succeeded', 'slow-b succeeded']);
  });

  it('without --lock-timeout the second fails at once, naming the holder, and changes nothing', async () => {
    const url = freshUrl();
    const [dirA, dirB] = [tempShared(), tempShared()];
    const a = startE([...eOn(url, dirA, ['apply', 'slow-a', '-y'])]);
    await containerRunning(dirA);
    const rb = await e(eOn(url, dirB, ['apply', 'slow-b', '-y']));
    expect(rb.exitCode).toBe(1);
    expect(rb.stderr).toMatch(/^e: The state is locked by pid \d+ on host .* \(e .*apply slow-a -y\) since /);
    const ra = await a.done;
    expect(ra.exitCode, ra.stderr).toBe(0);
    const state = await canonicalState(url);
    expect(state['slow-b']).toBeUndefined();
    expect(state['slow-a']).toEqual({ status: 'applied', applies: 1 });
  });

  it('kill -9 of the holder: its session ends, the lock is free for another machine, and nothing of its run is written', async () => {
    const url = freshUrl();
    const [dirA, dirB] = [tempShared(), tempShared()];
    expect((await e(eOn(url, dirA, ['init', 'slow-a']))).exitCode).toBe(0);
    const before = await canonicalState(url);
    const victim = startE(eOn(url, dirA, ['module', 'run', 'slow-a', 'hang']));
    onTestFinished(() => {
      victim.child.kill('SIGKILL');
    });
    await containerRunning(dirA);
    victim.child.kill('SIGKILL');
    await victim.done;
    // another working directory (another machine) gets the lock once PostgreSQL ends the session
    const rb = await e(eOn(url, dirB, ['apply', 'slow-b', '-y', '--lock-timeout', '20s']));
    expect(rb.exitCode, rb.stderr).toBe(0);
    const state = await canonicalState(url);
    expect(state['slow-a']).toEqual(before['slow-a']);
    expect(state['slow-b']).toEqual({ status: 'applied', applies: 1 });
    // the victim's own working copy: the next command there removes its container and settles its run
    const next = await e(eOn(url, dirA, ['plan', 'slow-a']));
    expect(next.exitCode, next.stderr).toBe(0);
    expect(next.stderr).toMatch(/Recovered the state lock left by pid \d+ .*module run slow-a hang/);
    expect(next.stderr).toMatch(/An earlier run of slow-a hang was interrupted .*nothing it wrote was merged/);
    expect(await eContainers(dirA)).toEqual([]);
    expect(JSON.stringify(await canonicalState(url))).not.toContain('hanging');
  });

  it('the lock lost during a run (e state unlock --force ends its session): the run is stopped and nothing is merged', async () => {
    const url = freshUrl();
    const dirA = tempShared();
    expect((await e(eOn(url, dirA, ['init', 'slow-a']))).exitCode).toBe(0);
    const before = await canonicalState(url);
    const run = startE(eOn(url, dirA, ['module', 'run', 'slow-a', 'hang']));
    onTestFinished(() => {
      run.child.kill('SIGKILL');
    });
    await containerRunning(dirA);
    const unlock = await e(['--state', url, 'state', 'unlock', '--force']);
    expect(unlock.exitCode, unlock.stderr).toBe(0);
    expect(unlock.stdout).toMatch(/^Ended database session \d+ of pid \d+ on host .* \(e .*module run slow-a hang\)/);
    const result = await run.done;
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toMatch(
      /The connection holding the state lock of .* was lost .*so nothing of this command was written to the state\./,
    );
    expect(await eContainers(dirA)).toEqual([]);
    expect(await canonicalState(url)).toEqual(before);
    // the working copy is as the run found it, so the next command there writes nothing of the run
    const history = await e(eOn(url, dirA, ['state', 'history', '-o', 'json']));
    expect(
      (JSON.parse(history.stdout) as { module: string; command: string }[]).map((x) => `${x.module} ${x.command}`),
    ).toEqual(['slow-a init']);
    expect((await e(eOn(url, dirA, ['plan', 'slow-a']))).exitCode).toBe(0);
    expect(JSON.stringify(await canonicalState(url))).not.toContain('hanging');
  });
});
