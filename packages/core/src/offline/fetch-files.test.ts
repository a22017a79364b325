import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isEError } from '../errors.js';
import type { BomFile } from './bill-of-materials.js';
import { cachedFilePath, fetchFiles } from './fetch-files.js';

const content = Buffer.from('kafka tarball bytes\n'.repeat(5000));
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

let server: Server;
let base: string;
let cache: string;
const requests: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push(req.url ?? '');
    if (req.url === '/kafka.tgz' || req.url === '/changed.tgz') {
      res.writeHead(200, { 'content-length': content.length });
      res.end(content);
    } else if (req.url === '/moved') {
      res.writeHead(302, { location: '/kafka.tgz' });
      res.end();
    } else {
      res.writeHead(404);
      res.end('not here');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  cache = await mkdtemp(join(tmpdir(), 'e-fetch-files-'));
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(cache, { recursive: true, force: true });
});

const file = (name: string, path: string, extra: Partial<BomFile> = {}): BomFile => ({
  name,
  url: `${base}${path}`,
  sha256: sha256(content),
  usedBy: ['kafka@0.1.0'],
  ...extra,
});

async function failure(promise: Promise<unknown>): Promise<[string, string]> {
  try {
    await promise;
  } catch (error) {
    return isEError(error) ? [error.code, error.message] : ['not an EError', String(error)];
  }
  return ['no error', ''];
}

describe('fetchFiles', () => {
  it('downloads a file into the cache by its sha256, and does not fetch it again', async () => {
    requests.length = 0;
    const events: boolean[] = [];
    const [fetched] = await fetchFiles([file('kafka.tgz', '/kafka.tgz', { size: content.length })], cache, {
      progress: (e) => events.push(e.done),
    });
    expect(fetched).toMatchObject({
      path: cachedFilePath(cache, sha256(content)),
      size: content.length,
      cached: false,
    });
    expect(await readFile(fetched!.path)).toEqual(content);
    expect(events.at(-1)).toBe(true);
    const [again] = await fetchFiles([file('kafka.tgz', '/kafka.tgz')], cache);
    expect(again).toMatchObject({ size: content.length, cached: true });
    expect(requests).toEqual(['/kafka.tgz']);
  });

  it('follows a redirect', async () => {
    const other = await mkdtemp(join(tmpdir(), 'e-fetch-files-'));
    try {
      const [fetched] = await fetchFiles([file('kafka.tgz', '/moved')], other);
      expect(fetched?.size).toBe(content.length);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it('refuses a file whose sha256 is not the one stated, in one sentence, and keeps nothing', async () => {
    const wrong = 'f'.repeat(64);
    const [code, message] = await failure(fetchFiles([file('changed.tgz', '/changed.tgz', { sha256: wrong })], cache));
    expect(code).toBe('E_FILE_CHECKSUM');
    expect(message).toBe(
      `changed.tgz from ${base}/changed.tgz has sha256 ${sha256(content)}, not the ${wrong} the repository states; it was not kept.`,
    );
    expect((await readdir(join(cache, 'sha256'))).sort()).toEqual([sha256(content)]);
  });

  it('refuses a file longer than its stated size', async () => {
    const other = await mkdtemp(join(tmpdir(), 'e-fetch-files-'));
    try {
      const [code, message] = await failure(fetchFiles([file('kafka.tgz', '/kafka.tgz', { size: 10 })], other));
      expect([code, message]).toEqual([
        'E_FILE_CHECKSUM',
        `kafka.tgz from ${base}/kafka.tgz has more than the 10 bytes the repository states; it was not kept.`,
      ]);
      expect(await readdir(join(other, 'sha256'))).toEqual([]);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it('names the HTTP status or the connection problem', async () => {
    expect(await failure(fetchFiles([file('gone.tgz', '/gone.tgz', { sha256: 'a'.repeat(64) })], cache))).toEqual([
      'E_FILE_DOWNLOAD',
      `Cannot download gone.tgz from ${base}/gone.tgz: HTTP 404.`,
    ]);
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const [code, message] = await failure(
      fetchFiles([{ ...file('x.tgz', ''), url: `http://127.0.0.1:${port}/x.tgz`, sha256: 'a'.repeat(64) }], cache),
    );
    expect(code).toBe('E_FILE_DOWNLOAD');
    expect(message).toMatch(/: the connection was refused \(nothing listens there\) \(ECONNREFUSED\)\.$/);
  });
});
