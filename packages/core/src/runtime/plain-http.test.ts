import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { takeEngineInfo } from './early-info.js';
import { registryRequest } from './registry-http.js';
import { engineOptions } from './ssh-dial.js';

// Node's HTTP agent works out a TLS server name for every request without one, checking whether
// the host is an IP address (net.isIP); the first such check compiles Node's IPv6 pattern, ~10 ms
// of a module run. e's requests on plain connections name none (plain-http.ts), so it never runs.
describe("e's plain HTTP requests (engine socket, local registry)", () => {
  let dir: string;
  let server: Server;
  const before = process.env.DOCKER_HOST;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'e-plain-http-'));
    server = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ OSType: 'linux', Architecture: 'x86_64' }));
    });
    process.env.DOCKER_HOST = `unix://${join(dir, 'docker.sock')}`;
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    if (before === undefined) delete process.env.DOCKER_HOST;
    else process.env.DOCKER_HOST = before;
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('never have Node check whether the host is an IP address', async () => {
    await new Promise<void>((resolve) => server.listen(join(dir, 'docker.sock'), resolve));
    const isIP = vi.spyOn(net, 'isIP');
    expect(await takeEngineInfo()?.info).toEqual({ OSType: 'linux', Architecture: 'x86_64' });
    expect(await new Docker(engineOptions()).info()).toEqual({ OSType: 'linux', Architecture: 'x86_64' });
    expect(isIP).not.toHaveBeenCalled();
  });

  it('a registry over plain HTTP by name, too', async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const isIP = vi.spyOn(net, 'isIP');
    const answer = await registryRequest(`http://localhost:${port}/v2/`);
    expect(answer.status).toBe(200);
    expect(isIP).not.toHaveBeenCalled();
  });
});
