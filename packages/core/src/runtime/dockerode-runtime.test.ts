import { Readable } from 'node:stream';
import type Dockerode from 'dockerode';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RunSpec } from './container-runtime.js';
import { DockerodeRuntime } from './dockerode-runtime.js';
import { OUTPUT_IDLE_MS } from './output-grace.js';
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
function engine(removal: 'answered' | 'unanswered', attach: () => Readable = () => Readable.from([])) {
  const removedByE = vi.fn(async () => undefined);
  const container = {
    id: 'c0ffee',
    attach: async () => attach(),
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

describe('a local run whose attach stream the engine leaves open after the exit (Docker 20.10 with AutoRemove)', () => {
  it('reads the output the module wrote, then cuts the stream once it was silent for the grace, and reports the exit', async () => {
    // one frame of stdout ("hi\n"), then nothing, and no end
    const frame = Buffer.concat([Buffer.from([1, 0, 0, 0, 0, 0, 0, 3]), Buffer.from('hi\n')]);
    const stream = new Readable({ read() {} });
    stream.push(frame);
    const { runtime } = engine('answered', () => stream);
    const lines: string[] = [];
    let outcome: unknown;
    const running = runtime
      .run({ ...spec, onOutput: (_stream, payload) => void lines.push(payload.toString()) })
      .then((result) => (outcome = result));
    await vi.advanceTimersByTimeAsync(OUTPUT_IDLE_MS - 100);
    expect(outcome).toBeUndefined();
    await vi.advanceTimersByTimeAsync(200);
    await running;
    expect(lines.join('')).toBe('hi\n');
    expect(outcome).toMatchObject({ exitCode: 0, ended: 'exited' });
    expect(stream.destroyed).toBe(true);
  });
});

describe('a local run that fails before its container starts', () => {
  it('removes the container and closes the attach stream the engine would leave open (Docker 20.10)', async () => {
    const stream = new Readable({ read() {} });
    const { runtime, removedByE } = engine('answered', () => stream);
    const failing = runtime.run({
      ...spec,
      beforeStart: async () => {
        throw new Error('the staging copy failed');
      },
    });
    await expect(failing).rejects.toThrow('the staging copy failed');
    expect(removedByE).toHaveBeenCalledOnce();
    expect(stream.destroyed).toBe(true);
  });
});
