import dns from 'node:dns';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fetchCause } from '../repository/load-repository.js';
import { registryRequest } from './registry-http.js';

const servers: Server[] = [];

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterEach(async () => {
  vi.restoreAllMocks();
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

describe('registryRequest', () => {
  it('sends the method, headers and body, and reads the status, headers and body', async () => {
    const base = await serve((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        res.setHeader('docker-content-digest', 'sha256:abc');
        res.writeHead(201);
        res.end(JSON.stringify({ method: req.method, type: req.headers['content-type'], body }));
      });
    });
    const answer = await registryRequest(`${base}/v2/x/manifests/1`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: '{"a":1}',
    });
    expect(answer.status).toBe(201);
    expect(answer.ok).toBe(true);
    expect(answer.headers.get('Docker-Content-Digest')).toBe('sha256:abc');
    expect(answer.headers.get('x-missing')).toBeNull();
    expect(JSON.parse(answer.body.toString())).toEqual({ method: 'PUT', type: 'application/json', body: '{"a":1}' });
  });

  it('follows redirects, keeping the Authorization header only on its origin', async () => {
    const seen: (string | undefined)[] = [];
    const other = await serve((req, res) => {
      seen.push(req.headers.authorization);
      res.end('blob');
    });
    const base = await serve((req, res) => {
      seen.push(req.headers.authorization);
      if (req.url === '/first') res.writeHead(307, { location: '/second' }).end();
      else res.writeHead(302, { location: `${other}/blob` }).end();
    });
    const answer = await registryRequest(`${base}/first`, { headers: { authorization: 'Bearer t' } });
    expect(answer.body.toString()).toBe('blob');
    expect(seen).toEqual(['Bearer t', 'Bearer t', undefined]);
  });

  it('rejects a refused connection as fetch does: fetchCause names it', async () => {
    const base = await serve(() => undefined);
    servers[0]?.close();
    const error = await registryRequest(`${base}/v2/`).catch((e: unknown) => e);
    expect(fetchCause(error)).toBe('the connection was refused (nothing listens there) (ECONNREFUSED)');
  });

  it('ends a request that gets no answer with the signal, as fetch does', async () => {
    const base = await serve(() => undefined);
    const error = await registryRequest(`${base}/v2/`, { signal: AbortSignal.timeout(50) }).catch((e: unknown) => e);
    expect((error as Error).name).toBe('TimeoutError');
  });

  it('asks a registry on localhost at 127.0.0.1, with no DNS lookup, naming localhost', async () => {
    const hosts: (string | undefined)[] = [];
    const base = await serve((req, res) => {
      hosts.push(req.headers.host);
      res.end('{}');
    });
    const port = new URL(base).port;
    const lookup = vi.spyOn(dns, 'lookup');
    const answer = await registryRequest(`http://localhost:${port}/v2/`);
    expect(answer.status).toBe(200);
    expect(hosts).toEqual([`localhost:${port}`]);
    expect(lookup).not.toHaveBeenCalled();
  });

  it('asks localhost by name when nothing answers at 127.0.0.1 (a registry on ::1 only)', async () => {
    const base = await serve(() => undefined);
    const port = new URL(base).port;
    servers[0]?.close();
    const lookup = vi.spyOn(dns, 'lookup');
    const error = await registryRequest(`http://localhost:${port}/v2/`).catch((e: unknown) => e);
    expect(lookup.mock.calls.map((call) => call[0])).toEqual(['localhost']);
    expect(fetchCause(error)).toBe('the connection was refused (nothing listens there) (ECONNREFUSED)');
  });
});
