import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Readable, type Writable } from 'node:stream';
import { isMap, isSeq, parseDocument } from 'yaml';
import { ArchiveError } from '../errors.js';
import {
  ARCHIVE_FORMAT,
  ARCHIVE_FORMAT_VERSION,
  type ArchiveEntryRecord,
  type ArchiveManifest,
  E_BOM,
  E_MANIFEST,
  E_REPOSITORY,
  isSafeFileName,
  SMALL_BLOB_BYTES,
} from './archive-format.js';
import {
  isLoopback,
  openBlob,
  type RegistryEndpoint,
  readManifestBytes,
  registryEndpoint,
} from './archive-registry.js';
import { ArchiveWriter } from './archive-writer.js';
import type { BillOfMaterials, BomImage } from './bill-of-materials.js';
import { mapLimit } from './map-limit.js';
import {
  blobPath,
  type Descriptor,
  type DockerLoadEntry,
  dockerLoadTag,
  IMAGE_NAME_ANNOTATION,
  MANIFEST_ACCEPT,
  MEDIA,
  OCI_LAYOUT,
  parseImageJson,
  platformName,
  REF_NAME_ANNOTATION,
  splitReference,
} from './oci-layout.js';

/** A file written under e/files, e/packages or e/state: from disk (checked against sha256) or from memory. */
export interface ArchiveFile {
  name: string;
  size: number;
  /** 64 hex digits. */
  sha256: string;
  path?: string;
  bytes?: Buffer;
}

export interface ExportOptions {
  bom: BillOfMaterials;
  /** The repository file's text: written as e/repository.yml with only the exported versions. */
  repositoryText: string;
  /** The e version writing the archive. */
  eVersion: string;
  /** The e command line as an npm package tarball (e/cli/NAME). */
  cli?: ArchiveFile;
  files?: ArchiveFile[];
  packages?: ArchiveFile[];
  /** --with-state: the shared directory's state and config files (e/state/NAME). */
  state?: ArchiveFile[];
  /** Registries spoken to over plain HTTP (default: loopback ones). */
  insecure?: (host: string) => boolean;
  /**
   * Indexes and manifests the bill of materials read (BillOfMaterialsOptions.manifests), by
   * `registry/repository@digest`: used instead of asking the registry again when their sha256
   * is the digest.
   */
  manifests?: ReadonlyMap<string, Buffer>;
  progress?: (event: ExportProgress) => void;
}

export type ExportProgress =
  | { phase: 'image'; reference: string; platforms: string[] }
  | { phase: 'write'; entry: string; blobsDone: number; blobs: number; bytesDone: number; bytes: number };

export interface ExportResult {
  manifest: ArchiveManifest;
  /** Archive bytes written. */
  bytes: number;
  blobs: number;
}

interface Blob {
  digest: string;
  size: number;
  /**
   * Written before the layers: manifests, indexes and configs up to SMALL_BLOB_BYTES (a reader
   * knows the images before their layers).
   */
  early: boolean;
  /** Its bytes when already read (manifests, indexes; a config whose platform had to be looked up). */
  bytes?: Buffer;
  /** Where to read it from otherwise. */
  source?: { endpoint: RegistryEndpoint; name: string };
}

interface CollectedImage {
  image: BomImage;
  top: Descriptor;
  /** Each platform's manifest: descriptor, config and layers. */
  platforms: { platform: string; digest: string; config: string; layers: string[] }[];
  /** Its index, manifests, configs and layers. */
  blobs: Blob[];
}

/** Images whose manifests are read at once (those the bill of materials did not read already). */
const IMAGE_CONCURRENCY = 4;
/** Blobs up to SMALL_BLOB_BYTES read ahead (into memory) while the entries before them are written. */
const PREFETCH_AHEAD = 16;

/**
 * Adds `blob` unless `blobs` has it; an early one wins over a layer, one in memory over one to
 * read (so the archive's order does not depend on which image was looked at first).
 */
function addBlob(blobs: Map<string, Blob>, blob: Blob): void {
  const had = blobs.get(blob.digest);
  const rank = (b: Blob) => (b.early ? 2 : 0) + (b.bytes !== undefined ? 1 : 0);
  if (had === undefined || rank(blob) > rank(had)) blobs.set(blob.digest, blob);
}

/**
 * Writes the offline archive to `out`: every image of the bill of materials copied from its
 * registry by digest (index, manifests, config and layer blobs byte for byte; the chosen
 * platforms only; with all of them the original index and its digest), each blob once, plus
 * e/ (manifest, bill of materials, repository, CLI, files, packages, state). Deterministic.
 */
export async function exportArchive(out: Writable, options: ExportOptions): Promise<ExportResult> {
  const insecure = options.insecure ?? isLoopback;
  const images = await mapLimit(options.bom.images, IMAGE_CONCURRENCY, (image) =>
    collectImage(image, insecure, options.manifests, options.progress),
  );
  // merged in the images' order, so which repository a shared blob is read from does not depend on timing
  const blobs = new Map<string, Blob>();
  for (const image of images) for (const blob of image.blobs) addBlob(blobs, blob);
  // manifests, indexes and configs first, then the layers: a reader knows the images before their layers
  const sortedBlobs = [...blobs.values()].sort((a, b) =>
    a.early !== b.early ? (a.early ? -1 : 1) : a.digest < b.digest ? -1 : 1,
  );
  // the first configs and layers are on their way while the e/ entries are made and written
  const ahead = new ReadAhead(sortedBlobs);
  ahead.from(0);

  const index = {
    schemaVersion: 2,
    mediaType: MEDIA.ociIndex,
    manifests: images.map((i) => i.top),
  };
  const dockerLoad: DockerLoadEntry[] = images.flatMap((i) =>
    i.platforms.map((p) => ({
      Config: blobPath(p.config),
      RepoTags: [dockerLoadTag(i.image.reference, p.platform)],
      Layers: p.layers.map(blobPath),
    })),
  );
  const eEntries: { name: string; file: ArchiveFile }[] = [];
  const memory = (name: string, bytes: Buffer): { name: string; file: ArchiveFile } => ({
    name,
    file: { name, bytes, size: bytes.length, sha256: sha256(bytes) },
  });
  eEntries.push(memory(E_BOM, Buffer.from(`${JSON.stringify(options.bom, null, 2)}\n`)));
  eEntries.push(memory(E_REPOSITORY, Buffer.from(exportedRepository(options.repositoryText, options.bom))));
  if (options.cli) eEntries.push({ name: `e/cli/${safe(options.cli.name)}`, file: options.cli });
  for (const [folder, list] of [
    ['files', options.files],
    ['packages', options.packages],
    ['state', options.state],
  ] as const) {
    const sorted = [...(list ?? [])].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const [i, file] of sorted.entries()) {
      if (i > 0 && sorted[i - 1]?.name === file.name)
        throw new ArchiveError('E_EXPORT_INPUT', `Two ${folder} are named ${JSON.stringify(file.name)}.`);
      const parts = file.name.split('/');
      if (parts.length > (folder === 'packages' ? 2 : 1)) safe(file.name);
      eEntries.push({ name: `e/${folder}/${parts.map(safe).join('/')}`, file });
    }
  }

  const layout = Buffer.from(OCI_LAYOUT);
  const indexBytes = Buffer.from(`${JSON.stringify(index)}\n`);
  const dockerBytes = Buffer.from(`${JSON.stringify(dockerLoad)}\n`);
  const entries: ArchiveEntryRecord[] = [
    { name: 'oci-layout', size: layout.length, sha256: sha256(layout) },
    { name: 'index.json', size: indexBytes.length, sha256: sha256(indexBytes) },
    { name: 'manifest.json', size: dockerBytes.length, sha256: sha256(dockerBytes) },
    ...eEntries.map(({ name, file }) => ({ name, size: file.size, sha256: file.sha256 })),
    ...sortedBlobs.map((b) => ({ name: blobPath(b.digest), size: b.size, sha256: b.digest.slice(7) })),
  ];
  const manifest: ArchiveManifest = {
    format: ARCHIVE_FORMAT,
    formatVersion: ARCHIVE_FORMAT_VERSION,
    e: options.eVersion,
    modules: options.bom.modules,
    platforms: options.bom.platforms,
    images: images.map((i) => ({
      reference: i.image.reference,
      digest: i.top.digest,
      platforms: i.platforms.map((p) => ({
        platform: p.platform,
        digest: p.digest,
        config: p.config,
        layers: p.layers,
      })),
    })),
    ...(options.cli ? { cli: `e/cli/${options.cli.name}` } : {}),
    entries,
  };

  const totalBytes = entries.reduce((sum, e) => sum + e.size, 0);
  let blobsDone = 0;
  let bytesDone = 0;
  const writer = new ArchiveWriter(out);
  const report = (entry: string, size: number, blob: boolean) => {
    bytesDone += size;
    if (blob) blobsDone += 1;
    options.progress?.({
      phase: 'write',
      entry,
      blobsDone,
      blobs: sortedBlobs.length,
      bytesDone,
      bytes: totalBytes,
    });
  };
  try {
    await writer.addBuffer('oci-layout', layout);
    await writer.addBuffer('index.json', indexBytes);
    await writer.addBuffer('manifest.json', dockerBytes);
    await writer.addBuffer(E_MANIFEST, `${JSON.stringify(manifest, null, 2)}\n`);
    for (const { name, file } of eEntries) {
      if (file.bytes !== undefined) await writer.addBuffer(name, file.bytes);
      else await writer.addStream(name, file.size, createReadStream(file.path as string), file.sha256);
      report(name, file.size, false);
    }
    for (const [i, blob] of sortedBlobs.entries()) {
      const name = blobPath(blob.digest);
      ahead.from(i + 1);
      if (blob.bytes !== undefined) await writer.addBuffer(name, blob.bytes);
      else await writer.addStream(name, blob.size, await ahead.open(i), blob.digest.slice(7));
      report(name, blob.size, true);
    }
    await writer.finish();
  } catch (error) {
    writer.destroy();
    throw error;
  }
  return { manifest, bytes: writer.bytes, blobs: sortedBlobs.length };
}

async function collectImage(
  image: BomImage,
  insecure: (host: string) => boolean,
  known: ReadonlyMap<string, Buffer> | undefined,
  progress: ExportOptions['progress'],
): Promise<CollectedImage> {
  const endpoint = registryEndpoint(image.registry, insecure);
  const source = { endpoint, name: image.repository };
  progress?.({ phase: 'image', reference: image.reference, platforms: image.platforms.map((p) => p.platform) });
  const read = async (digest: string) => {
    const had = known?.get(`${image.registry}/${image.repository}@${digest}`);
    const got =
      had !== undefined && `sha256:${sha256(had)}` === digest
        ? { bytes: had, digest }
        : await readManifestBytes(endpoint, image.repository, digest, MANIFEST_ACCEPT);
    const parsed = parseImageJson(got.bytes);
    if ('problem' in parsed)
      throw new ArchiveError('E_EXPORT_IMAGE', `The manifest ${image.repository}@${digest} ${parsed.problem}.`);
    return { ...got, parsed };
  };
  const top = await read(image.registryDigest);
  const platforms: CollectedImage['platforms'] = [];
  const blobs = new Map<string, Blob>();
  const add = (d: Descriptor, early: boolean, bytes?: Buffer) =>
    addBlob(blobs, { digest: d.digest, size: d.size, early, ...(bytes ? { bytes } : { source }) });
  /**
   * A platform manifest, with its config when the index does not name the platform (the config
   * does); other configs are read while the archive is written.
   */
  const fetchManifest = async (d: Descriptor, bytes: Buffer, platformHint: string | undefined) => {
    const parsed = parseImageJson(bytes);
    if ('problem' in parsed || parsed.kind !== 'manifest')
      throw new ArchiveError('E_EXPORT_IMAGE', `${image.reference}: ${d.digest} is not an image manifest.`);
    const { config } = parsed.manifest;
    const configBytes =
      platformHint === undefined && config.size <= SMALL_BLOB_BYTES ? await readSmallBlob(source, config) : undefined;
    return { d, bytes, manifest: parsed.manifest, configBytes };
  };
  const addManifest = (
    { d, bytes, manifest, configBytes }: Awaited<ReturnType<typeof fetchManifest>>,
    platformHint?: string,
  ) => {
    add(d, true, bytes);
    const { config, layers } = manifest;
    add(config, config.size <= SMALL_BLOB_BYTES, configBytes);
    for (const layer of layers) add(layer, false);
    let platform = platformHint;
    if (platform === undefined && configBytes !== undefined) {
      const c = JSON.parse(configBytes.toString('utf8')) as { os?: string; architecture?: string; variant?: string };
      if (c.os && c.architecture)
        platform = platformName({ os: c.os, architecture: c.architecture, variant: c.variant });
    }
    if (platform !== undefined && platform !== 'unknown/unknown') {
      platforms.push({
        platform,
        digest: d.digest,
        config: config.digest,
        layers: layers.map((l) => l.digest),
      });
    }
  };

  const { tag } = splitReference(image.reference);
  const annotations = {
    [IMAGE_NAME_ANNOTATION]: image.reference.split('@')[0] as string,
    ...(tag ? { [REF_NAME_ANNOTATION]: tag } : {}),
  };
  let topDescriptor: Descriptor;
  if (top.parsed.kind === 'manifest') {
    const d = { mediaType: top.parsed.manifest.mediaType, digest: top.digest, size: top.bytes.length };
    addManifest(await fetchManifest(d, top.bytes, undefined));
    topDescriptor = { ...d, annotations };
  } else {
    const wanted = new Set(image.platforms.map((p) => p.digest));
    const children = top.parsed.index.manifests.filter((m) => image.allPlatforms || wanted.has(m.digest));
    // read at once, added in the index's order
    const fetched = await mapLimit(children, children.length, async (child) => {
      const got = await read(child.digest);
      if (got.bytes.length !== child.size)
        throw new ArchiveError('E_EXPORT_IMAGE', `${image.reference}: ${child.digest} is not ${child.size} bytes.`);
      return fetchManifest(child, got.bytes, child.platform ? platformName(child.platform) : undefined);
    });
    for (const [i, child] of children.entries()) {
      addManifest(
        fetched[i] as Awaited<ReturnType<typeof fetchManifest>>,
        child.platform ? platformName(child.platform) : undefined,
      );
    }
    if (image.allPlatforms) {
      add({ mediaType: top.parsed.index.mediaType, digest: top.digest, size: top.bytes.length }, true, top.bytes);
      topDescriptor = {
        mediaType: top.parsed.index.mediaType,
        digest: top.digest,
        size: top.bytes.length,
        annotations,
      };
    } else if (children.length === 1) {
      const only = children[0] as Descriptor;
      topDescriptor = { mediaType: only.mediaType, digest: only.digest, size: only.size, annotations };
    } else {
      // some platforms of several: a new index of those (its digest differs from the registry's)
      const bytes = Buffer.from(JSON.stringify({ ...top.parsed.index, manifests: children }));
      const d = { mediaType: top.parsed.index.mediaType, digest: `sha256:${sha256(bytes)}`, size: bytes.length };
      add(d, true, bytes);
      topDescriptor = { ...d, annotations };
    }
  }
  platforms.sort((a, b) => (a.platform < b.platform ? -1 : a.platform > b.platform ? 1 : 0));
  return { image, top: topDescriptor, platforms, blobs: [...blobs.values()] };
}

/**
 * The blobs of the archive not read yet, in the order they are written: the small ones (up to
 * SMALL_BLOB_BYTES) are read into memory PREFETCH_AHEAD entries ahead, several requests at once,
 * so the registry's answer time is not paid blob after blob; a large one is opened at its turn
 * and streams. A config is checked as it arrives (as when it was read before writing), a layer
 * when written, as a streamed one is.
 */
class ReadAhead {
  readonly #blobs: readonly Blob[];
  readonly #pending = new Map<number, Promise<Buffer[]>>();

  constructor(blobs: readonly Blob[]) {
    this.#blobs = blobs;
  }

  /** Starts reading the small blobs among the PREFETCH_AHEAD from index `start`. */
  from(start: number): void {
    for (let i = start; i < Math.min(start + PREFETCH_AHEAD, this.#blobs.length); i++) {
      const blob = this.#blobs[i] as Blob;
      if (blob.bytes !== undefined || blob.size > SMALL_BLOB_BYTES || this.#pending.has(i)) continue;
      const reading = blob.early
        ? readSmallBlob(blob.source as NonNullable<Blob['source']>, blob).then((bytes) => [bytes])
        : readChunks(blob, blob.size + 1);
      // its failure is reported when its turn comes (or not at all when an earlier entry fails)
      reading.catch(() => {});
      this.#pending.set(i, reading);
    }
  }

  /** The blob at `index` as a stream: from memory when it was read ahead. */
  async open(index: number): Promise<Readable> {
    const blob = this.#blobs[index] as Blob;
    const reading = this.#pending.get(index);
    this.#pending.delete(index);
    if (reading !== undefined) return Readable.from(await reading);
    const { endpoint, name } = blob.source as NonNullable<Blob['source']>;
    return openBlob(endpoint, name, blob.digest);
  }
}

/** A blob's bytes from its registry, no more than `max` of them (the writer checks size and digest). */
async function readChunks(blob: Blob, max: number): Promise<Buffer[]> {
  const { endpoint, name } = blob.source as NonNullable<Blob['source']>;
  const response = await openBlob(endpoint, name, blob.digest);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= max) {
      response.destroy();
      break;
    }
  }
  return chunks;
}

async function readSmallBlob(
  source: { endpoint: RegistryEndpoint; name: string },
  d: Pick<Descriptor, 'digest' | 'size'>,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await openBlob(source.endpoint, source.name, d.digest)) chunks.push(chunk as Buffer);
  const bytes = Buffer.concat(chunks);
  if (bytes.length !== d.size || `sha256:${sha256(bytes)}` !== d.digest) {
    throw new ArchiveError('E_DIGEST_MISMATCH', `The registry sent ${source.name}@${d.digest} with other content.`);
  }
  return bytes;
}

/** The repository text with only the exported module versions (comments and order kept). */
export function exportedRepository(text: string, bom: Pick<BillOfMaterials, 'modules'>): string {
  const doc = parseDocument(text);
  const components = doc.get('components');
  if (isSeq(components)) {
    components.items = components.items.filter((component) => {
      if (!isMap(component)) return false;
      const name = String(component.get('name'));
      const keep = new Set(bom.modules.filter((m) => m.name === name).map((m) => m.version));
      if (keep.size === 0) return false;
      const versions = component.get('versions');
      if (isSeq(versions)) {
        versions.items = versions.items.filter((v) => isMap(v) && keep.has(String(v.get('version'))));
      }
      return true;
    });
  }
  return doc.toString();
}

function safe(name: string): string {
  if (!isSafeFileName(name) || name === '')
    throw new ArchiveError('E_EXPORT_INPUT', `${JSON.stringify(name)} cannot be a file name in the archive.`, {
      hint: 'Names are letters, digits, ".", "_", "+", "@" and "-", not starting with a dot.',
    });
  return name;
}

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
