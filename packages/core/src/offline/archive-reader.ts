import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { type Readable, Transform, type Writable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { ArchiveError } from '../errors.js';
import {
  ARCHIVE_FORMAT,
  type ArchiveEntryRecord,
  type ArchiveManifest,
  classifyEntryName,
  E_MANIFEST,
  type EntryKind,
  GZIP_FLOOR_BYTES,
  GZIP_MAX_RATIO,
  MAX_SMALL_BLOBS_BYTES,
  SMALL_BLOB_BYTES,
  sizeLimit,
} from './archive-format.js';
import {
  blobPath,
  type Descriptor,
  type DockerLoadEntry,
  IMAGE_NAME_ANNOTATION,
  type ImageIndex,
  parseImageJson,
  platformName,
} from './oci-layout.js';

/** One platform of an image in a verified archive. */
export interface VerifiedPlatform {
  platform: string;
  manifest: Descriptor;
  config: Descriptor;
  layers: Descriptor[];
}

export interface VerifiedImage {
  /** `localhost:5000/modules/kafka:0.1.0`, from index.json's annotation. */
  reference: string;
  top: Descriptor;
  /** Every manifest and index under `top` (top included), children first: what a registry push sends. */
  manifests: Descriptor[];
  platforms: VerifiedPlatform[];
}

/** An archive whose every entry was read once and checked: what import may act on. */
export interface VerifiedArchive {
  file: string;
  manifest: ArchiveManifest;
  images: VerifiedImage[];
  /** Each entry's sha256 and size, by name. */
  entries: Map<string, ArchiveEntryRecord>;
  /** Blobs up to SMALL_BLOB_BYTES and the e/ JSON and YAML entries, by name. */
  small: Map<string, Buffer>;
  /**
   * For an engine import: the config digests (image IDs) of `platform` that the engine said it
   * already has (`present` of verifyArchive). Their images are only tagged, never loaded, so their
   * layers were not unpacked to check them.
   */
  present: ReadonlySet<string>;
}

export interface VerifyOptions {
  /** An engine import, which loads this platform only: other platforms' layers are not unpacked. */
  platform?: string;
  /**
   * With `platform`: which of these config digests (image IDs) the engine already has. Asked once,
   * when e/manifest.json has been read; layers of images the engine has are hashed, not unpacked.
   */
  present?: (configs: string[]) => Promise<ReadonlySet<string>>;
}

const TYPE_WORDS: Record<string, string> = {
  symlink: 'a symbolic link',
  link: 'a hard link',
  'character-device': 'a character device',
  'block-device': 'a block device',
  fifo: 'a named pipe',
  directory: 'a directory',
};

interface Seen {
  record: ArchiveEntryRecord;
  kind: EntryKind;
  gzip?: 'ok' | 'invalid';
}

/**
 * Reads the archive once, as a stream, without writing anything: only regular files with the
 * names e writes, each once; JSON within its size limit; every blob hashed against its name and
 * every gzip blob decompressed (bounded) to refuse bombs; then the structure: e/manifest.json
 * lists exactly the entries present with their sha256 and size, index.json and every manifest it
 * reaches have a mediaType and name blobs that are present with the sizes stated.
 */
export async function verifyArchive(file: string, options: VerifyOptions = {}): Promise<VerifiedArchive> {
  const fail = (code: string, problem: string, hint?: string): never => {
    throw new ArchiveError(code, `The archive ${file} ${problem}; nothing was imported.`, hint ? { hint } : {});
  };
  const seen = new Map<string, Seen>();
  const small = new Map<string, Buffer>();
  /**
   * With `platform` (an engine import, which loads that platform only): layers e/manifest.json
   * says only other platforms or images the engine has use are hashed but not decompressed; every
   * layer that is loaded must have been checked (verified at the end, so a lying hint only gets
   * refused).
   */
  let notLoaded: LayersNotLoaded = { otherPlatforms: new Set(), present: new Set() };
  let present: ReadonlySet<string> = new Set();
  const bombChecked = new Set<string>();
  let smallBytes = 0;

  await readTar(file, fail, async (header, stream) => {
    const name = header.name;
    const type = header.type ?? 'file';
    if (type !== 'file') {
      stream.resume();
      const word = TYPE_WORDS[type] ?? `a ${type}`;
      return fail('E_ARCHIVE_ENTRY', `has ${word} entry, ${JSON.stringify(name)}, where only regular files belong`);
    }
    const kind = classifyEntryName(name);
    if ('problem' in kind) return fail('E_ARCHIVE_ENTRY', kind.problem);
    if (seen.has(name)) return fail('E_ARCHIVE_ENTRY', `has the entry ${JSON.stringify(name)} twice`);
    const size = header.size ?? 0;
    const limit = sizeLimit(kind.kind, name);
    if (limit !== undefined && size > limit) {
      return fail('E_ARCHIVE_TOO_LARGE', `has a ${name} of ${size} bytes, more than the ${limit} e reads`);
    }
    const keep = limit !== undefined || (kind.kind === 'blob' && size <= SMALL_BLOB_BYTES);
    if (keep && kind.kind === 'blob') {
      smallBytes += size;
      if (smallBytes > MAX_SMALL_BLOBS_BYTES) return fail('E_ARCHIVE_TOO_LARGE', 'has too many small blobs');
    }
    const digest = name.slice('blobs/'.length).replace('/', ':');
    const check = kind.kind === 'blob' && !notLoaded.otherPlatforms.has(digest) && !notLoaded.present.has(digest);
    const { sha256, bytes, gzip } = await digestEntry(stream, size, keep, check, name, fail);
    if (kind.kind === 'blob' && check) bombChecked.add(digest);
    if (name === E_MANIFEST && options.platform !== undefined && bytes !== undefined) {
      const hint = readHint(bytes, options.platform);
      if (options.present !== undefined && hint.configs.size > 0)
        present = await options.present([...hint.configs.keys()]);
      notLoaded = layersNotLoaded(hint, present);
    }
    if (kind.kind === 'blob' && `sha256:${sha256}` !== digest) {
      return fail(
        'E_ARCHIVE_DIGEST',
        `has ${name} whose content does not match its digest (it hashes to sha256:${sha256})`,
      );
    }
    if (bytes) small.set(name, bytes);
    seen.set(name, { record: { name, size, sha256 }, kind: kind.kind, ...(gzip ? { gzip } : {}) });
  });

  // e/manifest.json: exactly the entries present, each with its sha256 and size
  const eManifestBytes = small.get(E_MANIFEST);
  if (eManifestBytes === undefined)
    return fail(
      'E_ARCHIVE_INVALID',
      `has no ${E_MANIFEST}, so it is not an archive e export wrote (or it is truncated)`,
    );
  const manifest = parseJson<ArchiveManifest>(eManifestBytes, E_MANIFEST, fail);
  if (manifest.format !== ARCHIVE_FORMAT || !Array.isArray(manifest.entries)) {
    return fail('E_ARCHIVE_INVALID', `has an ${E_MANIFEST} that is not the manifest of an e archive`);
  }
  const listed = new Set<string>();
  for (const record of manifest.entries) {
    listed.add(record.name);
    const entry = seen.get(record.name);
    if (entry === undefined)
      return fail(
        'E_ARCHIVE_TRUNCATED',
        `ends without ${JSON.stringify(record.name)}, which ${E_MANIFEST} lists: it is truncated or incomplete`,
      );
    if (entry.record.size !== record.size || entry.record.sha256 !== record.sha256)
      return fail(
        'E_ARCHIVE_DIGEST',
        `has a ${record.name} whose sha256 or size differs from what ${E_MANIFEST} records`,
      );
  }
  for (const name of seen.keys()) {
    if (name !== E_MANIFEST && !listed.has(name))
      return fail('E_ARCHIVE_ENTRY', `has ${JSON.stringify(name)}, which ${E_MANIFEST} does not list`);
  }

  for (const required of ['oci-layout', 'index.json', 'manifest.json']) {
    if (!seen.has(required)) return fail('E_ARCHIVE_INVALID', `has no ${required}`);
  }
  const layout = parseJson<{ imageLayoutVersion?: string }>(small.get('oci-layout') as Buffer, 'oci-layout', fail);
  if (layout.imageLayoutVersion !== '1.0.0')
    return fail('E_ARCHIVE_INVALID', 'has an oci-layout that is not version 1.0.0');

  const blob = (d: Descriptor, by: string): Seen => {
    const entry = seen.get(blobPath(d.digest));
    if (entry === undefined) return fail('E_ARCHIVE_INVALID', `names ${d.digest} in ${by}, but has no such blob`);
    if (entry.record.size !== d.size)
      return fail(
        'E_ARCHIVE_INVALID',
        `names ${d.digest} in ${by} with ${d.size} bytes, but the blob has ${entry.record.size}`,
      );
    return entry;
  };
  const json = (d: Descriptor, by: string) => {
    blob(d, by);
    const bytes = small.get(blobPath(d.digest));
    if (bytes === undefined)
      return fail('E_ARCHIVE_TOO_LARGE', `has a manifest ${d.digest} larger than ${SMALL_BLOB_BYTES} bytes`);
    const parsed = parseImageJson(bytes);
    if ('problem' in parsed)
      return fail('E_ARCHIVE_INVALID', `has a manifest ${blobPath(d.digest)} (named in ${by}) that ${parsed.problem}`);
    if (parsed.kind === 'index' ? d.mediaType !== parsed.index.mediaType : d.mediaType !== parsed.manifest.mediaType)
      return fail('E_ARCHIVE_INVALID', `names ${d.digest} in ${by} as ${d.mediaType}, but the blob says otherwise`);
    return parsed;
  };

  const index = parseImageJson(small.get('index.json') as Buffer);
  if ('problem' in index) return fail('E_ARCHIVE_INVALID', `has an index.json that ${index.problem}`);
  if (index.kind !== 'index') return fail('E_ARCHIVE_INVALID', 'has an index.json that is not an image index');
  const images: VerifiedImage[] = [];
  for (const top of (index.index as ImageIndex).manifests) {
    const reference = top.annotations?.[IMAGE_NAME_ANNOTATION];
    if (typeof reference !== 'string' || reference === '')
      return fail(
        'E_ARCHIVE_INVALID',
        `has an index.json entry (${top.digest}) without the ${IMAGE_NAME_ANNOTATION} annotation`,
      );
    const image: VerifiedImage = { reference, top, manifests: [], platforms: [] };
    const visit = (d: Descriptor, by: string, depth: number) => {
      const parsed = json(d, by);
      if (parsed.kind === 'index') {
        if (depth > 1) return fail('E_ARCHIVE_INVALID', `has indexes nested deeper than e writes (${d.digest})`);
        for (const child of parsed.index.manifests) visit(child, blobPath(d.digest), depth + 1);
      } else {
        const { config, layers } = parsed.manifest;
        const where = blobPath(d.digest);
        blob(config, where);
        for (const layer of layers) {
          const entry = blob(layer, where);
          if (/gzip/.test(layer.mediaType) && entry.gzip !== 'ok' && bombChecked.has(layer.digest))
            return fail('E_ARCHIVE_INVALID', `has a layer ${layer.digest} said to be gzip that is not valid gzip`);
        }
        const configBytes = small.get(blobPath(config.digest));
        const c = configBytes
          ? parseJson<{ os?: string; architecture?: string; variant?: string }>(
              configBytes,
              blobPath(config.digest),
              fail,
            )
          : {};
        const platform =
          d.platform ??
          (c.os && c.architecture
            ? { os: c.os, architecture: c.architecture, ...(c.variant ? { variant: c.variant } : {}) }
            : undefined);
        if (platform && platform.os !== 'unknown')
          image.platforms.push({ platform: platformName(platform), manifest: d, config, layers });
      }
      image.manifests.push(d);
    };
    visit(top, 'index.json', 0);
    images.push(image);
  }

  if (options.platform !== undefined) {
    for (const image of images) {
      const mine = image.platforms.find((p) => p.platform === options.platform);
      // an image the engine has is tagged, not loaded: the engine never reads its layers
      if (mine === undefined || present.has(mine.config.digest)) continue;
      for (const layer of mine.layers) {
        if (bombChecked.has(layer.digest)) continue;
        if (notLoaded.otherPlatforms.has(layer.digest))
          return fail(
            'E_ARCHIVE_INVALID',
            `lists ${layer.digest} in ${E_MANIFEST} for another platform, but ${image.reference} loads it`,
          );
        return fail(
          'E_ARCHIVE_INVALID',
          `lists ${layer.digest} in ${E_MANIFEST} only for images the engine has, but ${image.reference} (config ${mine.config.digest}, which the engine lacks) loads it`,
        );
      }
    }
  }

  const dockerLoad = parseJson<DockerLoadEntry[]>(small.get('manifest.json') as Buffer, 'manifest.json', fail);
  if (!Array.isArray(dockerLoad)) return fail('E_ARCHIVE_INVALID', 'has a manifest.json that is not a list');
  for (const entry of dockerLoad) {
    const paths = [entry?.Config, ...(Array.isArray(entry?.Layers) ? entry.Layers : [undefined])];
    for (const path of paths) {
      if (typeof path !== 'string' || !seen.has(path) || seen.get(path)?.kind !== 'blob')
        return fail(
          'E_ARCHIVE_INVALID',
          `has a manifest.json entry naming ${JSON.stringify(path)}, which is not a blob in it`,
        );
    }
  }

  const entries = new Map([...seen].map(([name, s]) => [name, s.record]));
  return { file, manifest, images, entries, small, present };
}

type Fail = (code: string, problem: string, hint?: string) => never;

/** What e/manifest.json says of `platform`'s images: each one's config and layers (a hint). */
interface Hint {
  /** Config digest → its layers, for the images of `platform` whose config the hint names. */
  configs: Map<string, string[]>;
  /** Layers of `platform`'s images whose config the hint does not name (always loaded). */
  loaded: Set<string>;
  /** Layers of other platforms' images. */
  others: Set<string>;
}

interface LayersNotLoaded {
  /** Layers only other platforms' images use. */
  otherPlatforms: Set<string>;
  /** Layers of `platform` that only images the engine already has use. */
  present: Set<string>;
}

function readHint(bytes: Buffer, platform: string): Hint {
  const hint: Hint = { configs: new Map(), loaded: new Set(), others: new Set() };
  try {
    const manifest = JSON.parse(bytes.toString('utf8')) as ArchiveManifest;
    for (const image of manifest.images ?? []) {
      for (const p of image.platforms ?? []) {
        const layers = Array.isArray(p.layers) ? p.layers.filter((l) => typeof l === 'string') : [];
        if (p.platform !== platform) for (const layer of layers) hint.others.add(layer);
        else if (typeof p.config === 'string')
          hint.configs.set(p.config, [...(hint.configs.get(p.config) ?? []), ...layers]);
        else for (const layer of layers) hint.loaded.add(layer);
      }
    }
  } catch {
    return { configs: new Map(), loaded: new Set(), others: new Set() };
  }
  return hint;
}

/** The layers an engine import will not load, by the hint and the images the engine has. */
function layersNotLoaded(hint: Hint, present: ReadonlySet<string>): LayersNotLoaded {
  const loaded = new Set(hint.loaded);
  const ofPresent = new Set<string>();
  for (const [config, layers] of hint.configs) {
    for (const layer of layers) (present.has(config) ? ofPresent : loaded).add(layer);
  }
  const otherPlatforms = new Set([...hint.others].filter((l) => !loaded.has(l) && !ofPresent.has(l)));
  return { otherPlatforms, present: new Set([...ofPresent].filter((l) => !loaded.has(l))) };
}

/** Reads of the archive file this big: fewer reads and stream turns than the default 64 KiB. */
const READ_CHUNK_BYTES = 1024 * 1024;
/** The gunzip that counts a layer's bytes hands them out this big (fewer callbacks than the default 16 KiB). */
const GUNZIP_CHUNK_BYTES = 256 * 1024;

/**
 * Calls `visit` for every entry of the tar file in turn, until one returns `'stop'`; truncation
 * and broken headers become one sentence.
 */
export async function readTar(
  file: string,
  fail: Fail,
  visit: (header: tar.Header, stream: Readable) => Promise<'stop' | undefined>,
): Promise<void> {
  const input = createReadStream(file, { highWaterMark: READ_CHUNK_BYTES });
  const extract = tar.extract();
  let inputError: Error | undefined;
  input.on('error', (error) => {
    inputError = error;
    extract.destroy(error);
  });
  input.pipe(extract);
  try {
    for await (const entry of extract) {
      if ((await visit(entry.header, entry as unknown as Readable)) === 'stop') {
        input.destroy();
        break;
      }
    }
  } catch (error) {
    input.destroy();
    if (error instanceof ArchiveError) throw error;
    if (inputError !== undefined) {
      throw new ArchiveError(
        'E_ARCHIVE_READ',
        `The archive ${file} cannot be read (${(inputError as { code?: string }).code ?? inputError.message}).`,
      );
    }
    const message = (error as Error).message ?? String(error);
    if (/unexpected end/i.test(message))
      return fail('E_ARCHIVE_TRUNCATED', 'ends in the middle of an entry: it is truncated');
    return fail('E_ARCHIVE_INVALID', `is not a tar archive e can read (${message})`);
  }
}

async function digestEntry(
  stream: Readable,
  size: number,
  keep: boolean,
  blob: boolean,
  name: string,
  fail: Fail,
): Promise<{ sha256: string; bytes?: Buffer; gzip?: 'ok' | 'invalid' }> {
  const hash = createHash('sha256');
  const chunks: Buffer[] = [];
  let gunzip: ReturnType<typeof createGunzip> | undefined;
  let gzip: 'ok' | 'invalid' | undefined;
  let expanded = 0;
  let bomb = false;
  const limit = Math.max(GZIP_FLOOR_BYTES, GZIP_MAX_RATIO * size);
  let gunzipEnded: Promise<void> = Promise.resolve();
  let first = true;
  let drained: Promise<void> = Promise.resolve();
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    hash.update(chunk);
    if (keep) chunks.push(chunk);
    if (first && blob && chunk.length >= 2 && chunk[0] === 0x1f && chunk[1] === 0x8b) {
      gzip = 'ok';
      const gz = createGunzip({ chunkSize: GUNZIP_CHUNK_BYTES });
      gunzip = gz;
      gz.on('data', (out: Buffer) => {
        expanded += out.length;
        if (expanded > limit) {
          bomb = true;
          gz.destroy();
        }
      });
      gunzipEnded = new Promise((resolve) => {
        gz.on('end', resolve);
        gz.on('close', resolve);
        gz.on('error', () => {
          if (!bomb) gzip = 'invalid';
          resolve();
        });
      });
    }
    first = false;
    if (gunzip && !gunzip.destroyed) {
      // the previous chunk inflates (zlib's thread) while this one was hashed: wait for it only now
      await drained;
      if (!gunzip.destroyed && !gunzip.write(chunk)) drained = drain(gunzip);
    }
    if (bomb) {
      stream.destroy();
      return fail(
        'E_ARCHIVE_BOMB',
        `has ${name}, a gzip blob that expands to more than ${limit} bytes (over ${GZIP_MAX_RATIO} times its size): refused as a gzip bomb`,
      );
    }
  }
  if (gunzip && !gunzip.destroyed) gunzip.end();
  await gunzipEnded;
  if (bomb)
    return fail(
      'E_ARCHIVE_BOMB',
      `has ${name}, a gzip blob that expands to more than ${limit} bytes (over ${GZIP_MAX_RATIO} times its size): refused as a gzip bomb`,
    );
  return { sha256: hash.digest('hex'), ...(keep ? { bytes: Buffer.concat(chunks) } : {}), ...(gzip ? { gzip } : {}) };
}

/** Resolves when `stream` wants more input (or is gone). */
function drain(stream: Writable): Promise<void> {
  return new Promise((resolve) => {
    const go = () => {
      stream.off('drain', go);
      stream.off('close', go);
      resolve();
    };
    stream.on('drain', go);
    stream.on('close', go);
  });
}

function parseJson<T>(bytes: Buffer, name: string, fail: Fail): T {
  try {
    return JSON.parse(bytes.toString('utf8')) as T;
  } catch {
    return fail('E_ARCHIVE_INVALID', `has a ${name} that is not valid JSON`);
  }
}

/**
 * The second read, after verifyArchive: calls `visit` for the entries `wanted` names, each
 * re-hashed on the way (`check` must be awaited after the stream is consumed), so a file changed
 * between the two reads fails instead of being used. Reads no further than the last wanted entry
 * (and not at all when none is wanted): what follows it is not used.
 */
export async function readVerified(
  archive: VerifiedArchive,
  wanted: (name: string) => boolean,
  visit: (name: string, stream: Readable, record: ArchiveEntryRecord) => Promise<void>,
): Promise<void> {
  const fail: Fail = (code, problem) => {
    throw new ArchiveError(code, `The archive ${archive.file} ${problem}.`);
  };
  const pending = new Set([...archive.entries.keys()].filter(wanted));
  if (pending.size === 0) return;
  await readTar(archive.file, fail, async (header, stream) => {
    const record = archive.entries.get(header.name);
    if (record === undefined || !pending.has(header.name)) {
      stream.resume();
      return;
    }
    pending.delete(header.name);
    const hash = createHash('sha256');
    const checked = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        hash.update(chunk);
        callback(null, chunk);
      },
      flush(callback) {
        callback(
          hash.digest('hex') === record.sha256
            ? null
            : new ArchiveError(
                'E_ARCHIVE_DIGEST',
                `The archive ${archive.file} changed since it was verified (${header.name}).`,
              ),
        );
      },
    });
    stream.on('error', (error) => checked.destroy(error));
    stream.pipe(checked);
    await visit(header.name, checked, record);
    return pending.size === 0 ? 'stop' : undefined;
  });
}
