/**
 * The image side of the offline archive: an OCI image layout (`oci-layout`, `index.json`,
 * `blobs/sha256/<hex>`) that is at the same time loadable by `docker load` (`manifest.json`
 * entries whose Config and Layers point at the same blobs). Pure: no I/O.
 */

export const OCI_LAYOUT = '{"imageLayoutVersion":"1.0.0"}';

export const MEDIA = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
} as const;

/** Media types accepted for a manifest request, most specific first. */
export const MANIFEST_ACCEPT = [MEDIA.ociIndex, MEDIA.dockerList, MEDIA.ociManifest, MEDIA.dockerManifest];

/** Annotations of index.json entries: the full reference (containerd's) and the tag (OCI's). */
export const IMAGE_NAME_ANNOTATION = 'io.containerd.image.name';
export const REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name';

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { os: string; architecture: string; variant?: string };
  annotations?: Record<string, string>;
}

export interface ImageIndex {
  schemaVersion: number;
  mediaType: string;
  manifests: Descriptor[];
}

export interface ImageManifest {
  schemaVersion: number;
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
}

/** One entry of docker load's manifest.json. */
export interface DockerLoadEntry {
  Config: string;
  RepoTags: string[];
  Layers: string[];
}

export const SHA256_DIGEST = /^sha256:[a-f0-9]{64}$/;

export function isIndexType(mediaType: string): boolean {
  return mediaType === MEDIA.ociIndex || mediaType === MEDIA.dockerList;
}

export function isManifestType(mediaType: string): boolean {
  return mediaType === MEDIA.ociManifest || mediaType === MEDIA.dockerManifest;
}

/** `blobs/sha256/<hex>` of `sha256:<hex>`. */
export function blobPath(digest: string): string {
  return `blobs/${digest.replace(':', '/')}`;
}

/** `linux/arm64` (with `/v8` when a variant is named). */
export function platformName(platform: { os: string; architecture: string; variant?: string }): string {
  return [platform.os, platform.architecture, platform.variant].filter(Boolean).join('/');
}

/** Why `value` is not a descriptor (digest, size and mediaType), or undefined. */
export function descriptorProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return 'is not an object';
  const d = value as Partial<Descriptor>;
  if (typeof d.mediaType !== 'string' || d.mediaType === '') return 'has no mediaType';
  if (typeof d.digest !== 'string' || !SHA256_DIGEST.test(d.digest)) return 'has no sha256 digest';
  if (typeof d.size !== 'number' || !Number.isSafeInteger(d.size) || d.size < 0) return 'has no valid size';
  return undefined;
}

/** An index or a manifest, told apart by its mediaType (which e requires), or why it is neither. */
export function parseImageJson(
  bytes: Buffer,
): { kind: 'index'; index: ImageIndex } | { kind: 'manifest'; manifest: ImageManifest } | { problem: string } {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    return { problem: 'is not valid JSON' };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { problem: 'is not a JSON object' };
  const doc = json as { mediaType?: unknown; manifests?: unknown; config?: unknown; layers?: unknown };
  if (typeof doc.mediaType !== 'string' || doc.mediaType === '') return { problem: 'has no mediaType' };
  if (isIndexType(doc.mediaType)) {
    if (!Array.isArray(doc.manifests)) return { problem: 'is an index without a manifests list' };
    for (const [i, m] of doc.manifests.entries()) {
      const problem = descriptorProblem(m);
      if (problem) return { problem: `lists a manifest (#${i + 1}) that ${problem}` };
    }
    return { kind: 'index', index: json as ImageIndex };
  }
  if (isManifestType(doc.mediaType)) {
    const configProblem = descriptorProblem(doc.config);
    if (configProblem) return { problem: `has a config that ${configProblem}` };
    if (!Array.isArray(doc.layers)) return { problem: 'has no layers list' };
    for (const [i, l] of doc.layers.entries()) {
      const problem = descriptorProblem(l);
      if (problem) return { problem: `lists a layer (#${i + 1}) that ${problem}` };
    }
    return { kind: 'manifest', manifest: json as ImageManifest };
  }
  return { problem: `has the mediaType ${JSON.stringify(doc.mediaType)}, which is neither an index nor a manifest` };
}

/** `localhost:5000/modules/kafka` and `0.1.0` of `localhost:5000/modules/kafka:0.1.0[@sha256:…]`. */
export function splitReference(reference: string): { name: string; tag?: string } {
  const noDigest = reference.split('@')[0] ?? reference;
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  return colon > slash ? { name: noDigest.slice(0, colon), tag: noDigest.slice(colon + 1) } : { name: noDigest };
}

/**
 * The tag docker load gives one platform of an image: the reference's tag with the platform
 * appended (`…/kafka:0.1.0-linux-arm64`), as one tag of the classic store holds one platform.
 */
export function dockerLoadTag(reference: string, platform: string): string {
  const { name, tag } = splitReference(reference);
  return `${name}:${tag ?? 'latest'}-${platform.replaceAll('/', '-')}`.slice(0, name.length + 129);
}
