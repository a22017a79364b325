import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ContainerRuntime,
  createDockerRuntime,
  type LabelledContainer,
  RuntimeError,
  runLabels,
} from '@e/core/runtime';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type MainResult, runMain } from '../test-support/run-main.js';

vi.mock('@e/core/runtime', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@e/core/runtime')>()),
  createDockerRuntime: vi.fn(),
}));

let dir: string;
let shared: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'e-unlock-cli-'));
  shared = join(dir, 'shared');
  await mkdir(join(shared, '.e'), { recursive: true });
  vi.stubEnv('NO_COLOR', '1');
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await rm(dir, { recursive: true, force: true });
});

/** Runs `e -s <shared> ...args` in-process and captures what it prints. */
function e(...args: string[]): Promise<MainResult> {
  return runMain(['-s', shared, ...args]);
}

function container(id: string, labels: { shared: string; pid: number; host: string }): LabelledContainer {
  return {
    id: `${id}${'0'.repeat(64 - id.length)}`,
    state: 'running',
    labels: runLabels({
      module: 'kafka',
      version: '0.1.0',
      command: 'apply',
      startedAt: new Date(),
      runId: id,
      ...labels,
    }),
  };
}

/** The engine as a plain object: listContainers and removeContainer are all unlock uses. */
function engine(containers: LabelledContainer[], failure?: RuntimeError) {
  const present = new Map(containers.map((c) => [c.id, c]));
  const removed: string[] = [];
  const runtime = {
    endpoint: 'fake',
    listContainers: async () => {
      if (failure) throw failure;
      return [...present.values()];
    },
    removeContainer: async (id: string) => {
      removed.push(id.slice(0, 6));
      present.delete(id);
    },
  } as unknown as ContainerRuntime;
  vi.mocked(createDockerRuntime).mockResolvedValue(runtime);
  return { removed };
}

async function lockFrom(host: string): Promise<void> {
  const holder = { pid: 4242, host, command: 'e apply kafka', startedAt: '2024-05-01T10:00:00.000Z', id: 'x' };
  await writeFile(join(shared, '.e', 'lock'), JSON.stringify(holder));
}

const DEAD_PID = 2 ** 22 + 17;

describe('e state unlock and containers from other hosts', () => {
  it('without --force lists this shared directory’s containers from other hosts and removes nothing', async () => {
    const fake = engine([
      container('remote', { shared, pid: 42, host: 'ci-3' }),
      container('elsewh', { shared: '/srv/other', pid: 42, host: 'ci-3' }),
      container('deadhe', { shared, pid: DEAD_PID, host: hostname() }),
    ]);
    const result = await e('state', 'unlock');
    expect(result).toEqual({
      code: 0,
      stderr: '',
      stdout: [
        'The state is not locked.',
        `1 container of ${shared} started from another host, where e cannot tell whether the run is still going:`,
        '  kafka apply (remote000000) from host ci-3',
        'Make sure no e command uses this shared directory there, then remove them with e state unlock --force.',
        '',
      ].join('\n'),
    });
    expect(fake.removed).toEqual([]);
  });

  it('--force breaks another host’s lock and removes its containers and the leftovers here, not other directories’', async () => {
    await lockFrom('ci-3');
    expect(await e('state', 'unlock')).toMatchObject({ code: 1, stderr: expect.stringContaining('--force') });
    const fake = engine([
      container('remote', { shared, pid: 42, host: 'ci-3' }),
      container('elsewh', { shared: '/srv/other', pid: 42, host: 'ci-3' }),
      container('deadhe', { shared, pid: DEAD_PID, host: hostname() }),
      container('myself', { shared, pid: process.pid, host: hostname() }),
    ]);
    const result = await e('state', 'unlock', '--force');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      [
        'Removed the state lock held by pid 4242 on host ci-3 (e apply kafka) since 2024-05-01T10:00:00.000Z (forced: it may still be running elsewhere).',
        `Removed 2 containers of e runs on ${shared}:`,
        '  kafka apply (deadhe000000)',
        '  kafka apply (remote000000) from host ci-3',
        '',
      ].join('\n'),
    );
    expect(fake.removed.sort()).toEqual(['deadhe', 'remote']);
    expect((await e('state', 'unlock')).stdout).toBe('The state is not locked.\n'); // the lock taken meanwhile was released
  });

  it('reports the containers as data with -o json', async () => {
    engine([container('remote', { shared, pid: 42, host: 'ci-3' })]);
    const data = JSON.parse((await e('-o', 'json', 'state', 'unlock')).stdout);
    expect(data).toMatchObject({ unlocked: false, containers: { removed: [], foreign: [{ state: 'running' }] } });
    expect(data.containers.foreign[0].labels['org.e.run.host']).toBe('ci-3');
  });

  it('still unlocks when the engine does not answer, saying so; --force then exits 1', async () => {
    const down = new RuntimeError(
      'E_ENGINE_UNREACHABLE',
      'No Docker engine answers at fake: e cannot reach it (ENOENT).',
    );
    engine([], down);
    await lockFrom('ci-3');
    const forced = await e('state', 'unlock', '--force');
    expect(forced.code).toBe(1);
    expect(forced.stdout).toMatch(/^Removed the state lock held by pid 4242 on host ci-3/);
    expect(forced.stderr).toBe(
      `e: Could not remove the containers of ${shared}: No Docker engine answers at fake: e cannot reach it (ENOENT).\n`,
    );
    const plain = await e('state', 'unlock');
    expect(plain).toMatchObject({ code: 0, stdout: 'The state is not locked.\n' });
    expect(plain.stderr).toMatch(/^e: Could not look for the containers of /);
  });
});
