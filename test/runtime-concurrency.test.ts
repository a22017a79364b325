import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { parse } from 'yaml';
import { eContainers, eIn, RUNTIME_REPOSITORY, startE, tempShared, waitFor } from './support/run-e.js';
import { expectNoEContainers, requireTestImages, stateData, stateText } from './support/runtime-fixtures.js';

beforeAll(requireTestImages);
afterAll(expectNoEContainers);

const lockFile = (shared: string) => join(shared, '.e/lock');

/** Waits until a container of `shared` runs (the e that started it holds the lock). */
const containerRunning = (shared: string) =>
  waitFor('the module container to start', async () => ((await eContainers(shared)).length > 0 ? true : undefined));

describe('two e processes on one shared directory', () => {
  it('two applies at once: the second waits for the lock (--lock-timeout) and neither update is lost', async () => {
    const shared = tempShared();
    const a = startE(['-r', RUNTIME_REPOSITORY, '-s', shared, 'apply', 'slow-a', '-y', '--lock-timeout', '60s']);
    await containerRunning(shared);
    const b = startE(['-r', RUNTIME_REPOSITORY, '-s', shared, 'apply', 'slow-b', '-y', '--lock-timeout', '60s']);
    const [ra, rb] = await Promise.all([a.done, b.done]);
    expect(ra.exitCode, ra.stderr).toBe(0);
    expect(rb.exitCode, rb.stderr).toBe(0);
    expect(rb.stderr).toMatch(/Waiting up to 60s for the state lock held by pid \d+ on host .* \(e .*apply slow-a -y/);
    const state = stateData(shared);
    expect(state['slow-a']).toEqual({ status: 'applied', applies: 1 });
    expect(state['slow-b']).toEqual({ status: 'applied', applies: 1 });
    const installed = (state.e as { installed: Record<string, unknown> }).installed;
    expect(Object.keys(installed).sort()).toEqual(['slow-a', 'slow-b']);
  });

  it('without --lock-timeout the second fails at once, naming the holder, and changes nothing', async () => {
    const shared = tempShared();
    const a = startE(['-r', RUNTIME_REPOSITORY, '-s', shared, 'apply', 'slow-a', '-y']);
    await containerRunning(shared);
    const rb = await eIn(shared, ['apply', 'slow-b', '-y']);
    expect(rb.exitCode).toBe(1);
    expect(rb.stderr).toMatch(/The state is locked by pid \d+ on host .* \(e .*apply slow-a -y\)/);
    const ra = await a.done;
    expect(ra.exitCode, ra.stderr).toBe(0);
    expect(stateData(shared)['slow-b']).toBeUndefined();
    expect(stateData(shared)['slow-a']).toEqual({ status: 'applied', applies: 1 });
  });

  it('kill -9 of e while its container runs: the live state is untouched, and the next command recovers the lock, the container and the run', async () => {
    const shared = tempShared();
    expect((await eIn(shared, ['init', 'slow-a'])).exitCode).toBe(0);
    const before = stateText(shared);
    const victim = startE(['-r', RUNTIME_REPOSITORY, '-s', shared, 'module', 'run', 'slow-a', 'hang']);
    onTestFinished(() => {
      victim.child.kill('SIGKILL');
    });
    await containerRunning(shared);
    // the module writes only its private staging copy
    await waitFor('the module to write its staged state', async () => {
      const runs = join(shared, '.e', 'runs');
      // each run's marker says where its staging copy is (a tmpfs when there is one)
      const staged = existsSync(runs)
        ? readdirSync(runs).flatMap((id) => {
            const marker = join(runs, id, 'run.json');
            if (!existsSync(marker)) return [];
            const { stageDir } = JSON.parse(readFileSync(marker, 'utf8')) as { stageDir?: string };
            return [join(stageDir ?? join(runs, id, 'shared'), 'state.yml')];
          })
        : [];
      return staged.some((file) => existsSync(file) && readFileSync(file, 'utf8').includes('hanging'))
        ? true
        : undefined;
    });
    expect(stateText(shared)).toBe(before);
    victim.child.kill('SIGKILL');
    const killed = await victim.done;
    expect(killed.signal).toBe('SIGKILL');

    // what a dead e leaves: a lock naming it, a running container, and a state that parses
    expect(existsSync(lockFile(shared))).toBe(true);
    expect(JSON.parse(readFileSync(lockFile(shared), 'utf8')).pid).toBe(victim.child.pid);
    expect(await eContainers(shared)).toHaveLength(1);
    expect(() => parse(stateText(shared))).not.toThrow();

    const next = await eIn(shared, ['plan', 'slow-a']);
    expect(next.exitCode, next.stderr).toBe(0);
    expect(next.stderr).toContain(`Recovered the state lock left by pid ${victim.child.pid}`);
    expect(next.stderr).toContain('Removed the container of an earlier run that was left behind: slow-a hang');
    expect(next.stderr).toMatch(
      /An earlier run of slow-a hang was interrupted when e \(pid \d+ on .*\) stopped \(history entry \d+\); nothing it wrote was merged\./,
    );
    expect(await eContainers(shared)).toEqual([]);
    expect(existsSync(lockFile(shared))).toBe(false);
    // the run never finished, so nothing of its staging copy reached the live directory
    expect(stateText(shared)).toBe(before);
    expect(readdirSync(join(shared, '.e', 'runs'))).toEqual([]);
  });

  it.each(['SIGINT', 'SIGTERM'] as const)(
    '%s while a module runs: e stops and removes the container, releases the lock and records the run',
    async (signal) => {
      const shared = tempShared();
      const run = startE(['-r', RUNTIME_REPOSITORY, '-s', shared, 'module', 'run', 'slow-a', 'hang']);
      await containerRunning(shared);
      run.child.kill(signal);
      const result = await run.done;
      expect(result.exitCode).toBe(signal === 'SIGINT' ? 130 : 143);
      expect(result.stderr).toContain(`e: ${signal}: stopping and removing the container...`);
      expect(result.stderr).toContain('slow-a hang was interrupted, so e stopped and removed its container');
      expect(await eContainers(shared)).toEqual([]);
      expect(existsSync(lockFile(shared))).toBe(false);
      expect(existsSync(join(shared, '.e/run.json'))).toBe(false);
    },
  );
});
