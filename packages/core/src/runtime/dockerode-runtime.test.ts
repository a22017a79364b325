import { Readable } from 'node:stream';
import type Dockerode from 'dockerode';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RunSpec } from './container-runtime.js';
import { DockerodeRuntime } from './dockerode-runtime.js';
import { REMOVAL_GRACE_MS } from './removal-grace.js';
import { DEFAULT_ACCESS } from './run-access.js';

const spec: RunSpec = {
  image: 'hello:0.1.0',
  cmd: ['plan'],
  env: {},
  mounts: [],
  access: DEFAULT_ACCESS,
  labels: {},
  platform: { os: 'linux', architecture: 'amd64' },
  onOutput: () => undefined,
};

/**
 * An engine whose one container exits at once with no output; the wait for its removal
 * (AutoRemove) answers at once, or never (until e stops waiting for it).
 */
function engine(removal: 'answered' | 'unanswered') {
  const removedByE = vi.fn(async () => undefined);
  const container = {
    id: 'c0ffee',
    attach: async () => Readable.from([]),
    start: async () => undefined,
    remove: removedByE,
    wait: (options: { condition: string; abortSignal?: AbortSignal }) => {
      if (options.condition === 'next-exit') return Promise.resolve({ StatusCode: 0 });
      if (removal === 'answered') return Promise.resolve({ StatusCode: 0 });
      return new Promise((_resolve, reject) => {
        options.abortSignal?.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
      });
    },
  };
  const docker = { createContainer: async () => container } as unknown as Dockerode;
  return { runtime: new DockerodeRuntime(docker, 'a fake engine', false), removedByE };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('a local run, once its container has ended', () => {
  it('removes the container itself when the engine has not removed it within the grace', async () => {
    const { runtime, removedByE } = engine('unanswered');
    let outcome: unknown;
    const running = runtime.run(spec).then((result) => (outcome = result));
    await vi.advanceTimersByTimeAsync(REMOVAL_GRACE_MS - 1);
    expect(outcome).toBeUndefined();
    expect(removedByE).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    await running;
    expect(removedByE).toHaveBeenCalledOnce();
    expect(outcome).toMatchObject({ exitCode: 0, ended: 'exited', containerId: 'c0ffee' });
  });

  it('leaves the removal to the engine when it comes in time', async () => {
    const { runtime, removedByE } = engine('answered');
    await expect(runtime.run(spec)).resolves.toMatchObject({ exitCode: 0, ended: 'exited' });
    await vi.advanceTimersByTimeAsync(2 * REMOVAL_GRACE_MS);
    expect(removedByE).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
  });
});
