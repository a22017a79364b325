import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { askEngineInfo, takeEngineInfo } from './early-info.js';

describe('asking the engine to describe itself ahead of a module run', () => {
  let dir: string;
  let server: Server;
  let asked: string[];
  const before = process.env.DOCKER_HOST;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'e-early-info-'));
    asked = [];
    server = createServer((req, res) => {
      asked.push(`${req.method} ${req.url}`);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ OSType: 'linux', Architecture: 'x86_64' }));
    });
    await new Promise<void>((resolve) => server.listen(join(dir, 'docker.sock'), resolve));
    process.env.DOCKER_HOST = `unix://${join(dir, 'docker.sock')}`;
  });
  afterEach(async () => {
    if (before === undefined) delete process.env.DOCKER_HOST;
    else process.env.DOCKER_HOST = before;
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('hands the request askEngineInfo sent to the runtime, once: the engine is asked once', async () => {
    await askEngineInfo();
    await askEngineInfo();
    const early = takeEngineInfo();
    expect(await early?.info).toEqual({ OSType: 'linux', Architecture: 'x86_64' });
    expect(asked).toEqual(['GET /info']);
    // taken: a later runtime asks again
    expect(await takeEngineInfo()?.info).toEqual({ OSType: 'linux', Architecture: 'x86_64' });
    expect(asked).toEqual(['GET /info', 'GET /info']);
  });

  const LOADER_REQUEST = Symbol.for('e.early-engine-info');
  /** What bin/bundle-loader.js leaves when it asked `socketPath` before e's code loaded. */
  const leaveLoaderRequest = (socketPath: string) => {
    const early = {
      socketPath,
      info: Promise.resolve({ OSType: 'linux', Architecture: 'aarch64' }),
      sent: Promise.resolve(),
      kept: false,
      keep() {
        early.kept = true;
      },
    };
    (globalThis as Record<symbol, unknown>)[LOADER_REQUEST] = early;
    return early;
  };

  it("adopts the loader's request to the same socket, and keeps it: the engine is not asked again", async () => {
    const early = leaveLoaderRequest(join(dir, 'docker.sock'));
    await askEngineInfo();
    expect(await takeEngineInfo()?.info).toEqual({ OSType: 'linux', Architecture: 'aarch64' });
    expect(early.kept).toBe(true);
    expect(asked).toEqual([]);
    expect((globalThis as Record<symbol, unknown>)[LOADER_REQUEST]).toBeUndefined();
  });

  it("drops the loader's request to another socket (e.yml named another engine) and asks its own", async () => {
    const early = leaveLoaderRequest('/var/run/docker.sock');
    await askEngineInfo();
    expect(await takeEngineInfo()?.info).toEqual({ OSType: 'linux', Architecture: 'x86_64' });
    expect(early.kept).toBe(false);
    expect(asked).toEqual(['GET /info']);
    // dropped for good: a later runtime asks again too
    expect(await takeEngineInfo()?.info).toEqual({ OSType: 'linux', Architecture: 'x86_64' });
    expect(asked).toEqual(['GET /info', 'GET /info']);
  });

  it('asks nothing of an engine that is not on a local socket (dockerode asks it)', async () => {
    process.env.DOCKER_HOST = 'tcp://127.0.0.1:1';
    const early = leaveLoaderRequest(join(dir, 'docker.sock'));
    await askEngineInfo();
    expect(takeEngineInfo()).toBeUndefined();
    expect(asked).toEqual([]);
    expect(early.kept).toBe(false);
  });
});
