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

  it('asks nothing of an engine that is not on a local socket (dockerode asks it)', async () => {
    process.env.DOCKER_HOST = 'tcp://127.0.0.1:1';
    await askEngineInfo();
    expect(takeEngineInfo()).toBeUndefined();
    expect(asked).toEqual([]);
  });
});
