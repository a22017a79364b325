import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Writable } from 'node:stream';
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
  bytes?: Buffer;
  /** Where to stream it from. */
  source?: { endpoint: RegistryEndpoint; name: string };
}

interface CollectedImage {
  image: BomImage;
  top: Descriptor;
  /** Each platform's manifest: descriptor, config and layers. */
  platforms: { platform: string; digest: string; config: string; layers: string[] }[];
}

/**
 * Writes the offline archive to `out`: every image of the bill of materials copied from its
 * registry by digest (index, manifests, config and layer blobs byte for byte; the chosen
 * platforms only; with all of them the original index and its digest), each blob once, plus
 * e/ (manifest, bill of materials, repository, CLI, files, packages, state). Deterministic.
 */
export async function exportArchive(out: Writable, options: ExportOptions): Promise<ExportResult> {
  const insecure = options.insecure ?? isLoopback;
  const blobs = new Map<string, Blob>();
  const images: CollectedImage[] = [];
  for (const image of options.bom.images) {
    images.push(await collectImage(image, blobs, insecure, options.progress));
  }

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
  // manifests, indexes and configs (in memory) first, then the layers: a reader knows the images before their layers
  const sortedBlobs = [...blobs.values()].sort((a, b) =>
    (a.bytes === undefined) !== (b.bytes === undefined)
      ? a.bytes === undefined
        ? 1
        : -1
      : a.digest < b.digest
        ? -1
        : 1,
  );
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
      platforms: i.platforms.map((p) => ({ platform: p.platform, digest: p.digest, layers: p.layers })),
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
    for (const blob of sortedBlobs) {
      const name = blobPath(blob.digest);
      if (blob.bytes !== undefined) await writer.addBuffer(name, blob.bytes);
      else {
        const { endpoint, name: repo } = blob.source as NonNullable<Blob['source']>;
        await writer.addStream(name, blob.size, await openBlob(endpoint, repo, blob.digest), blob.digest.slice(7));
      }
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
  blobs: Map<string, Blob>,
  insecure: (host: string) => boolean,
  progress: ExportOptions['progress'],
): Promise<CollectedImage> {
  const endpoint = registryEndpoint(image.registry, insecure);
  const source = { endpoint, name: image.repository };
  progress?.({ phase: 'image', reference: image.reference, platforms: image.platforms.map((p) => p.platform) });
  const read = async (digest: string) => {
    const got = await readManifestBytes(endpoint, image.repository, digest, MANIFEST_ACCEPT);
    const parsed = parseImageJson(got.bytes);
    if ('problem' in parsed)
      throw new ArchiveError('E_EXPORT_IMAGE', `The manifest ${image.repository}@${digest} ${parsed.problem}.`);
    return { ...got, parsed };
  };
  const top = await read(image.registryDigest);
  const platforms: CollectedImage['platforms'] = [];
  const addBlob = (d: Descriptor, bytes?: Buffer) => {
    if (!blobs.has(d.digest))
      blobs.set(d.digest, { digest: d.digest, size: d.size, ...(bytes ? { bytes } : { source }) });
  };
  const addManifest = async (d: Descriptor, bytes: Buffer, platformHint?: string) => {
    const parsed = parseImageJson(bytes);
    if ('problem' in parsed || parsed.kind !== 'manifest')
      throw new ArchiveError('E_EXPORT_IMAGE', `${image.reference}: ${d.digest} is not an image manifest.`);
    addBlob(d, bytes);
    const { config, layers } = parsed.manifest;
    const configBytes = config.size <= SMALL_BLOB_BYTES ? await readSmallBlob(source, config) : undefined;
    addBlob(config, configBytes);
    for (const layer of layers) addBlob(layer);
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
    await addManifest(d, top.bytes);
    topDescriptor = { ...d, annotations };
  } else {
    const wanted = new Set(image.platforms.map((p) => p.digest));
    const children = top.parsed.index.manifests.filter((m) => image.allPlatforms || wanted.has(m.digest));
    for (const child of children) {
      const got = await read(child.digest);
      if (got.bytes.length !== child.size)
        throw new ArchiveError('E_EXPORT_IMAGE', `${image.reference}: ${child.digest} is not ${child.size} bytes.`);
      await addManifest(child, got.bytes, child.platform ? platformName(child.platform) : undefined);
    }
    if (image.allPlatforms) {
      addBlob({ mediaType: top.parsed.index.mediaType, digest: top.digest, size: top.bytes.length }, top.bytes);
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
      addBlob(d, bytes);
      topDescriptor = { ...d, annotations };
    }
  }
  platforms.sort((a, b) => (a.platform < b.platform ? -1 : a.platform > b.platform ? 1 : 0));
  return { image, top: topDescriptor, platforms };
}

async function readSmallBlob(source: { endpoint: RegistryEndpoint; name: string }, d: Descriptor): Promise<Buffer> {
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
