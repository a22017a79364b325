import { createServer, get, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { readBody } from './read-body.js';

let server: Server | undefined;

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

/** The answer of a server that runs `answer` on its one request. */
async function answerOf(answer: Parameters<typeof createServer>[1]): Promise<IncomingMessage> {
  server = createServer(answer);
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => get(`http://127.0.0.1:${port}/`, resolve).on('error', reject));
}

describe('readBody', () => {
  it('reads a body sent in several chunks, whole', async () => {
    const response = await answerOf((_req, res) => {
      res.write('{"a":');
      setTimeout(() => res.end('1}'), 10);
    });
    expect((await readBody(response)).toString()).toBe('{"a":1}');
  });

  it('reads an empty body', async () => {
    const response = await answerOf((_req, res) => res.writeHead(204).end());
    expect((await readBody(response)).length).toBe(0);
  });

  it('rejects when the connection ends before the body does', async () => {
    const response = await answerOf((_req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('part', () => res.socket?.destroy());
    });
    await expect(readBody(response)).rejects.toThrow();
  });
});
