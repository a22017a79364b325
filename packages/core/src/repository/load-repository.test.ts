import { createServer as createHttpServer } from 'node:http';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FETCH_TIMEOUT_MS, readRepositorySource } from './load-repository.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections?.();
    await new Promise((done) => server.close(done));
  }
});

async function listen(server: Server): Promise<string> {
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/repo.yml`;
}

/** A port nothing listens on: one the system just gave out and took back. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  await new Promise((done) => server.close(done));
  return port;
}

describe('readRepositorySource over http', () => {
  it('waits 10 seconds at most by default', () => {
    expect(FETCH_TIMEOUT_MS).toBe(10_000);
  });

  it('names a refused connection as such', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/repo.yml`;
    await expect(readRepositorySource(url)).rejects.toMatchObject({
      code: 'E_REPOSITORY_FETCH',
      message: `cannot fetch the repository file ${url}: the connection was refused (nothing listens there) (ECONNREFUSED)`,
    });
  });

  it('gives up on a server that accepts and never answers', async () => {
    const sockets: import('node:net').Socket[] = [];
    const url = await listen(createServer((socket) => sockets.push(socket)));
    const started = Date.now();
    await expect(readRepositorySource(url, { timeoutMs: 300 })).rejects.toMatchObject({
      code: 'E_REPOSITORY_TIMEOUT',
      message: `${url} did not send the repository file within 0.3 seconds, so e gave up.`,
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    for (const socket of sockets) socket.destroy();
  });

  it('gives up on a server that stops in the middle of the file', async () => {
    const url = await listen(
      createHttpServer((_request, response) => {
        response.writeHead(200, { 'content-type': 'text/yaml' });
        response.write('version: v1\n');
      }),
    );
    await expect(readRepositorySource(url, { timeoutMs: 300 })).rejects.toMatchObject({
      code: 'E_REPOSITORY_TIMEOUT',
    });
  });

  it('says which HTTP status the server answered with', async () => {
    const url = await listen(
      createHttpServer((_request, response) => {
        response.writeHead(404).end('no');
      }),
    );
    await expect(readRepositorySource(url)).rejects.toMatchObject({
      code: 'E_REPOSITORY_FETCH',
      message: `cannot fetch the repository file ${url}: HTTP 404`,
    });
  });
});
