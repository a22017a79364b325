import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRepository } from '../repository/parse-repository.js';
import { billOfMaterials } from './bill-of-materials.js';

/*
 * billOfMaterials against a registry of this test's own (node http on 127.0.0.1): one image with
 * three platforms whose manifests share a layer, and one single-platform image that shares it too.
 */

const digestOf = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const blobs = new Map<string, Buffer>();
const manifests = new Map<string, { type: string; bytes: Buffer }>();
const put = (bytes: Buffer) => {
  blobs.set(digestOf(bytes), bytes);
  return { digest: digestOf(bytes), size: bytes.length };
};
const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const INDEX = 'application/vnd.oci.image.index.v1+json';
const shared = put(Buffer.alloc(1000, 1));

function image(architecture: string, own: number): { digest: string; size: number } {
  const config = put(Buffer.from(JSON.stringify({ os: 'linux', architecture })));
  const layer = put(Buffer.alloc(own, architecture.length));
  const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MANIFEST, config, layers: [shared, layer] }));
  manifests.set(digestOf(bytes), { type: MANIFEST, bytes });
  return { digest: digestOf(bytes), size: bytes.length };
}

let server: Server;
let host: string;
let indexDigest: string;
const platforms: Record<string, { digest: string; size: number }> = {};

beforeAll(async () => {
  for (const [arch, own] of [
    ['amd64', 100],
    ['arm64', 200],
    ['s390x', 300],
  ] as const)
    platforms[arch] = image(arch, own);
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: INDEX,
      manifests: Object.entries(platforms).map(([architecture, m]) => ({
        mediaType: MANIFEST,
        ...m,
        platform: { os: 'linux', architecture },
      })),
    }),
  );
  indexDigest = digestOf(index);
  manifests.set(indexDigest, { type: INDEX, bytes: index });
  manifests.set('multi:1.0', { type: INDEX, bytes: index });
  manifests.set('single:1.0', manifests.get(platforms.arm64!.digest)!);
  server = createServer((req, res) => {
    const m = /^\/v2\/vendor\/(\w+)\/(manifests|blobs)\/(.+)$/.exec(req.url ?? '');
    const found =
      m?.[2] === 'manifests'
        ? (manifests.get(m[3]!) ?? manifests.get(`${m[1]}:${m[3]}`))
        : m
          ? { type: 'application/octet-stream', bytes: blobs.get(m[3]!) }
          : undefined;
    if (found?.bytes === undefined) {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': found.type, 'docker-content-digest': digestOf(found.bytes) });
    res.end(found.bytes);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

function repository(requirements: string) {
  const { value, problems } = parseRepository(
    `version: v1
kind: Repository
components:
  - name: app
    type: docker
    versions:
      - version: 0.1.0
        image: ${host}/vendor/multi:1.0
        requirements:
          ${requirements}
        commands: [{name: metadata, command: metadata}, {name: init, command: init}, {name: plan, command: plan}, {name: apply, command: apply}, {name: audit, command: audit}]
`,
    'r.yml',
  );
  expect(problems).toEqual([]);
  return value!;
}

describe('billOfMaterials', () => {
  it('keeps the index digest when every platform is taken, and counts a shared layer once', async () => {
    const bill = await billOfMaterials({
      repository: repository(`images: [{image: ${host}/vendor/single:1.0, architectures: [arm64]}]`),
      modules: ['app'],
    });
    const [multi, single] = bill.images;
    expect(multi).toMatchObject({
      digest: indexDigest,
      registryDigest: indexDigest,
      allPlatforms: true,
      kind: 'module',
    });
    expect(multi!.platforms.map((p) => [p.platform, p.digest])).toEqual([
      ['linux/amd64', platforms.amd64!.digest],
      ['linux/arm64', platforms.arm64!.digest],
      ['linux/s390x', platforms.s390x!.digest],
    ]);
    expect(single).toMatchObject({ digest: platforms.arm64!.digest, allPlatforms: true, kind: 'requirement' });
    expect(bill.platforms).toEqual(['linux/amd64', 'linux/arm64', 'linux/s390x']);
    // one platform's size: its manifest, config and layers; the total counts every blob once
    const config = (architecture: string) => JSON.stringify({ os: 'linux', architecture }).length;
    expect(multi!.platforms[0]!.size).toBe(platforms.amd64!.size + config('amd64') + 1000 + 100);
    const manifestBytes = Object.values(platforms).reduce((n, m) => n + m.size, 0);
    const configBytes = config('amd64') + config('arm64') + config('s390x');
    expect(bill.totals.imageBytes).toBe(manifestBytes + configBytes + 1000 + 100 + 200 + 300);
  });

  it('names the platform manifest when one platform is taken, and the index (not all taken) when several are', async () => {
    const repo = repository('images: []');
    const one = await billOfMaterials({ repository: repo, modules: ['app'], platforms: ['linux/arm64'] });
    expect(one.images[0]).toMatchObject({
      digest: platforms.arm64!.digest,
      registryDigest: indexDigest,
      allPlatforms: false,
    });
    const two = await billOfMaterials({ repository: repo, modules: ['app'], platforms: ['arm64', 'linux/amd64'] });
    expect(two.platforms).toEqual(['linux/amd64', 'linux/arm64']);
    expect(two.images[0]).toMatchObject({ digest: indexDigest, allPlatforms: false });
    expect(two.images[0]!.platforms.map((p) => p.platform)).toEqual(['linux/amd64', 'linux/arm64']);
  });
});
