import { copyFileSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { writeHostileArchives } from '../../../../test/fixtures/hostile-archives/generate.js';
import { loadedDigestTag } from '../runtime/ensure-image.js';
import { classifyEntryName } from './archive-format.js';
import { readVerified, verifyArchive } from './archive-reader.js';
import { ArchiveWriter, npmPackageTarball } from './archive-writer.js';
import { exportedRepository } from './export.js';
import { digestTag, engineTag, rehost, rewriteImages } from './import.js';
import { dockerLoadTag, parseImageJson } from './oci-layout.js';

const dir = mkdtempSync(join(tmpdir(), 'e-archive-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const HEX = 'a'.repeat(64);

describe('archive entry names', () => {
  it.each([
    ['oci-layout', 'layout'],
    ['index.json', 'index'],
    ['manifest.json', 'docker-manifest'],
    [`blobs/sha256/${HEX}`, 'blob'],
    ['e/manifest.json', 'e-manifest'],
    ['e/bom.json', 'e-json'],
    ['e/repository.yml', 'e-file'],
    ['e/files/kafka_2.12-2.5.1.tgz', 'e-file'],
    ['e/packages/debian-12/curl_7.88.1-10+deb12u8_amd64.deb', 'e-file'],
  ])('accepts %s', (name, kind) => {
    expect(classifyEntryName(name)).toEqual({ kind });
  });

  it.each([
    ['/etc/passwd', /absolute path/],
    ['C:\\evil', /absolute path/],
    ['e/../../x', /climbs out/],
    ['./index.json', /irregular name/],
    ['blobs//sha256', /irregular name/],
    ['install.sh', /unknown top-level entry/],
    [`blobs/sha256/${HEX.toUpperCase()}`, /not blobs\/sha256/],
    ['blobs/md5/abc', /not blobs\/sha256/],
    ['e/files/.hidden', /e does not write/],
    ['e/files/a/b', /e does not write/],
    ['e/other.json', /e does not write/],
  ])('refuses %s', (name, problem) => {
    const result = classifyEntryName(name);
    expect('problem' in result && result.problem).toMatch(problem);
  });
});

describe('image JSON', () => {
  it('requires a mediaType and descriptors with digest and size', () => {
    const bytes = (value: unknown) => Buffer.from(JSON.stringify(value));
    expect(parseImageJson(bytes({ schemaVersion: 2, manifests: [] }))).toEqual({ problem: 'has no mediaType' });
    expect(
      parseImageJson(
        bytes({
          mediaType: 'application/vnd.oci.image.index.v1+json',
          manifests: [{ digest: `sha256:${HEX}`, size: 1 }],
        }),
      ),
    ).toEqual({ problem: 'lists a manifest (#1) that has no mediaType' });
    expect(parseImageJson(Buffer.from('{'))).toEqual({ problem: 'is not valid JSON' });
    const ok = parseImageJson(bytes({ mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [] }));
    expect('kind' in ok && ok.kind).toBe('index');
  });
});

describe('references', () => {
  it('rehosts, tags for the engine and names digests as tags', () => {
    expect(rehost('localhost:5000/modules/kafka:0.1.0', '10.0.0.5:5000')).toBe('10.0.0.5:5000/modules/kafka:0.1.0');
    expect(engineTag(`localhost:5000/modules/kafka:0.1.0@sha256:${HEX}`)).toBe('localhost:5000/modules/kafka:0.1.0');
    expect(engineTag('localhost:5000/modules/kafka')).toBe('localhost:5000/modules/kafka:latest');
    expect(digestTag('localhost:5000/modules/kafka:0.1.0', `sha256:${HEX}`)).toBe(
      `localhost:5000/modules/kafka:sha256-${HEX}`,
    );
    // what ensure-image looks up for a pinned digest is what import tags
    expect(loadedDigestTag(`localhost:5000/modules/kafka@sha256:${HEX}`)).toBe(
      digestTag('localhost:5000/modules/kafka:0.1.0', `sha256:${HEX}`),
    );
    expect(dockerLoadTag('localhost:5000/modules/kafka:0.1.0', 'linux/arm64')).toBe(
      'localhost:5000/modules/kafka:0.1.0-linux-arm64',
    );
  });

  it('rewrites image references in a repository file and keeps only exported versions, comments kept', () => {
    const text = [
      '# the site',
      'version: v1',
      'kind: Repository',
      'components:',
      '  - name: kafka',
      '    versions:',
      '      - version: "0.1.0"',
      '        image: localhost:5000/modules/kafka:0.1.0 # pinned',
      '      - version: "0.2.0"',
      '        image: localhost:5000/modules/kafka:0.2.0',
      '  - name: hello',
      '    versions:',
      '      - version: "0.1.0"',
      '        image: localhost:5000/modules/hello:0.1.0',
      '',
    ].join('\n');
    const exported = exportedRepository(text, { modules: [{ name: 'kafka', version: '0.1.0' }] });
    expect(exported).not.toContain('hello');
    expect(exported).not.toContain('0.2.0');
    const rewritten = rewriteImages(exported, (ref) =>
      ref.startsWith('localhost:5000/') ? rehost(ref, 'site:5000') : undefined,
    );
    expect(rewritten).toContain('image: site:5000/modules/kafka:0.1.0 # pinned');
    expect(rewritten).toContain('# the site');
  });
});

describe('writing', () => {
  it('gives the same bytes for the same entries (fixed times, owners, modes)', async () => {
    const write = async () => {
      const out = new PassThrough();
      const chunks: Buffer[] = [];
      out.on('data', (c: Buffer) => chunks.push(c));
      const writer = new ArchiveWriter(out);
      await writer.addBuffer('oci-layout', '{"imageLayoutVersion":"1.0.0"}');
      const source = new PassThrough();
      const adding = writer.addStream('e/files/x', 3, source);
      source.end(Buffer.from('abc'));
      await adding;
      await writer.finish();
      return Buffer.concat(chunks);
    };
    const [a, b] = [await write(), await write()];
    expect(a.equals(b)).toBe(true);
    expect(a.subarray(136, 147).toString()).toBe('00000000000'); // mtime: the epoch
    const [p, q] = [
      await npmPackageTarball([{ name: 'package.json', bytes: Buffer.from('{}') }]),
      await npmPackageTarball([{ name: 'package.json', bytes: Buffer.from('{}') }]),
    ];
    expect(p.equals(q)).toBe(true);
  });

  it('refuses a stream whose bytes do not match the sha256 or the size given', async () => {
    const writer = new ArchiveWriter(new PassThrough().resume());
    const source = new PassThrough();
    const adding = writer.addStream('blobs/x', 3, source, HEX);
    source.end(Buffer.from('abc'));
    await expect(adding).rejects.toThrow(/has the sha256 [a-f0-9]{64}, not a+/);
  });
});

describe('verifying', () => {
  const { valid, hostile } = writeHostileArchives(dir);

  it('accepts the valid archive and reads its image', async () => {
    const archive = await verifyArchive(valid);
    expect(archive.images.map((i) => [i.reference, i.platforms.map((p) => p.platform)])).toEqual([
      ['e-hostile.invalid/modules/tiny:0.1.0', ['linux/amd64']],
    ]);
    expect(readFileSync(valid).length % 512).toBe(0);
  });

  it.each(hostile.map((h) => [h.name, h] as const))('refuses %s with its own message', async (_name, h) => {
    await expect(verifyArchive(h.file)).rejects.toMatchObject({
      code: h.code,
      message: expect.stringMatching(h.message),
    });
  });

  it('asks which images the engine has, skips unpacking only their layers, and refuses a hint that lied about it', async () => {
    const lying = hostile.find((h) => h.name === 'lying-present-hint');
    if (lying === undefined) throw new Error('no lying-present-hint archive');
    const asked: string[][] = [];
    const present = async (configs: string[]) => {
      asked.push(configs);
      return new Set(configs);
    };
    await expect(verifyArchive(lying.file, { platform: 'linux/amd64', present })).rejects.toMatchObject({
      code: 'E_ARCHIVE_INVALID',
      message: expect.stringMatching(/only for images the engine has, but .* loads it/),
    });
    expect(asked).toEqual([[`sha256:${'1'.repeat(64)}`]]);
    // the engine lacks it: the layer is unpacked, and refused as the bomb it is
    await expect(
      verifyArchive(lying.file, { platform: 'linux/amd64', present: async () => new Set() }),
    ).rejects.toMatchObject({ code: 'E_ARCHIVE_BOMB' });
    // an archive without such hints never asks, and nothing counts as present
    const archive = await verifyArchive(valid, { platform: 'linux/amd64', present });
    expect(archive.present.size).toBe(0);
    expect(asked).toHaveLength(1);
  });

  it('reads again only up to the last entry wanted, and still refuses one changed since', async () => {
    const copy = join(dir, 'second-read.tar');
    copyFileSync(valid, copy);
    const archive = await verifyArchive(copy);
    const read = async (wanted: (name: string) => boolean) => {
      const names: string[] = [];
      await readVerified(archive, wanted, async (name, stream) => {
        names.push(name);
        for await (const _ of stream);
      });
      return names;
    };
    // oci-layout is the first entry (header, body): the rest may be cut without the read noticing
    truncateSync(copy, 1536);
    expect(await read((name) => name === 'oci-layout')).toEqual(['oci-layout']);
    await expect(read((name) => name === 'index.json')).rejects.toMatchObject({ code: 'E_ARCHIVE_TRUNCATED' });
    // no entry wanted: no read at all
    rmSync(copy);
    expect(await read(() => false)).toEqual([]);
    const changed = readFileSync(valid);
    changed.write('2', 512 + '{"imageLayoutVersion":"'.length);
    writeFileSync(copy, changed);
    await expect(read((name) => name === 'oci-layout')).rejects.toThrow(/changed since it was verified/);
  });
});
