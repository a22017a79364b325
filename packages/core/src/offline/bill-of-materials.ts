import { RuntimeError } from '../errors.js';
import { fetchCause } from '../repository/load-repository.js';
import { formatPlatform, parsePlatform } from '../runtime/platform.js';
import {
  MEDIA_TYPES,
  parseRegistryRef,
  type RegistryClientOptions,
  readManifest,
  readRawManifest,
} from '../runtime/registry-client.js';
import { mapLimit } from './map-limit.js';
import { collectNeeds, type ImageNeed, type SelectModulesOptions, selectModules } from './requirements.js';

/**
 * The bill of materials of an export (`e requirements`, `e export`): every image, file and OS
 * package a set of module versions needs, deduplicated and in a stable order.
 */

/** One image, resolved to digests in its registry. */
export interface BomImage {
  /** As the repository names it, e.g. `localhost:5000/modules/kafka:0.1.0`. */
  reference: string;
  /** Registry host, e.g. `localhost:5000` (`registry-1.docker.io` for Docker Hub). */
  registry: string;
  /** Repository path inside the registry, e.g. `modules/kafka`. */
  repository: string;
  tag?: string;
  /**
   * Digest of what is exported: the registry's digest when all its platforms are taken (or the
   * image is a single manifest); the platform's manifest digest when only one platform of an index
   * is taken; else (several but not all) still the registry's index digest, and `allPlatforms`
   * is false: the exporter writes a new index of `platforms` (its digest differs).
   */
  digest: string;
  /** The digest the reference names in the registry (index or single manifest). */
  registryDigest: string;
  /** Whether every platform of the registry's index is taken (always true for a single manifest). */
  allPlatforms: boolean;
  /**
   * Per-platform manifest digests of the platforms taken, sorted by platform (`linux/amd64`);
   * `size`: bytes of the manifest, its config and its layers as the registry stores them.
   */
  platforms: { platform: string; digest: string; size: number }[];
  /** `module`: the image a module runs in; `requirement`: an image a module lists in `requirements.images`. */
  kind: 'module' | 'requirement';
  /** `kafka@0.1.0` of every module version that needs it, sorted. */
  usedBy: string[];
}

/** One file to download, checked against its sha256. */
export interface BomFile {
  /** File name it is stored under, e.g. `kafka_2.12-2.5.1.tgz`. */
  name: string;
  url: string;
  /** 64 lower-case hex digits. */
  sha256: string;
  size?: number;
  architectures?: string[];
  usedBy: string[];
}

/** One OS package, handed to the repository's downloader module. */
export interface BomPackage {
  name: string;
  version: string;
  /** e.g. `debian-12`. */
  os: string;
  architectures?: string[];
  usedBy: string[];
}

export interface BillOfMaterials {
  /** The module versions the bill is for, sorted by name. */
  modules: { name: string; version: string }[];
  /** Platforms taken, e.g. `linux/amd64`, sorted. */
  platforms: string[];
  images: BomImage[];
  files: BomFile[];
  packages: BomPackage[];
  totals: {
    images: number;
    /** Bytes of every distinct blob (manifests, configs, layers) of the images: a layer shared by several counts once. */
    imageBytes: number;
    files: number;
    /** Sum of the files' sizes, where the repository states them. */
    fileBytes: number;
    /** Files without a stated size (their bytes are not in fileBytes). */
    filesWithoutSize: number;
    packages: number;
  };
}

/** Which modules (`modules`, `installed`, `withDeps`, `prefer`: see SelectModulesOptions), on which platforms. */
export interface BillOfMaterialsOptions extends SelectModulesOptions {
  /** `linux/amd64`, ...; default: every platform of each image. */
  platforms?: readonly string[];
  /** How to reach registries; default: plain HTTP for loopback hosts only. */
  registry?: RegistryClientOptions;
  /**
   * Filled with every index and manifest read, as the registry sent it, by
   * `registry/repository@digest`: e export copies them from here instead of asking again.
   */
  manifests?: Map<string, Buffer>;
}

const LOOPBACK_ONLY: RegistryClientOptions = {
  insecure: (host) => /^(localhost|127\.[0-9.]+|\[::1\])(:\d+)?$/.test(host),
};

/** Registry look-ups at once (each is a few small HTTP requests). */
const CONCURRENCY = 6;

/**
 * The bill of materials for the module versions `options` name: their images resolved to digests
 * per platform over the registry API (nothing is pulled), their files and packages;
 * deduplicated, in a stable order, with totals.
 */
export async function billOfMaterials(options: BillOfMaterialsOptions): Promise<BillOfMaterials> {
  const registry = options.registry ?? LOOPBACK_ONLY;
  const wanted = options.platforms === undefined ? undefined : normalizePlatforms(options.platforms);
  const selected = selectModules(options);
  const needs = collectNeeds(selected, wanted);
  const images = await mapLimit(needs.images, CONCURRENCY, (need) => resolveImage(need, registry, options.manifests));
  const files: BomFile[] = needs.files;
  const packages: BomPackage[] = needs.packages;
  const platforms = wanted ?? [...new Set(images.flatMap((i) => i.platforms.map((p) => p.platform)))].sort();
  const blobs = new Map<string, number>();
  for (const image of images) for (const [digest, size] of image.blobs) blobs.set(digest, size);
  let fileBytes = 0;
  let filesWithoutSize = 0;
  for (const file of files) {
    if (file.size === undefined) filesWithoutSize++;
    else fileBytes += file.size;
  }
  return {
    modules: selected.map(({ name, version }) => ({ name, version: version.version })),
    platforms,
    images: images.map(({ blobs: _, ...image }) => image),
    files,
    packages,
    totals: {
      images: images.length,
      imageBytes: [...blobs.values()].reduce((a, b) => a + b, 0),
      files: files.length,
      fileBytes,
      filesWithoutSize,
      packages: packages.length,
    },
  };
}

/** `linux/amd64`, `arm64` → sorted, unique `os/arch` strings. */
export function normalizePlatforms(platforms: readonly string[]): string[] {
  return [...new Set(platforms.map((p) => formatPlatform(parsePlatform(p))))].sort();
}

/** A registry's answer, or an EError in one sentence naming the image and who needs it. */
async function ask<T>(need: ImageNeed, host: string, what: () => Promise<T>): Promise<T> {
  try {
    return await what();
  } catch (error) {
    const who = need.usedBy.join(', ');
    if (/answered HTTP 404\b/.test((error as Error).message)) {
      throw new RuntimeError(
        'E_IMAGE_NOT_FOUND',
        `The registry ${host} has no image ${need.reference} (needed by ${who}).`,
        {
          hint: 'push the image there, or correct the reference in the repository',
        },
      );
    }
    const why = /answered HTTP/.test((error as Error).message) ? (error as Error).message : fetchCause(error);
    throw new RuntimeError(
      'E_REGISTRY_UNREADABLE',
      `Cannot read ${need.reference} (needed by ${who}) from ${host}: ${why}.`,
      {
        hint: 'check that the registry is running and reachable from here',
        cause: error,
      },
    );
  }
}

type ResolvedImage = BomImage & { blobs: [digest: string, size: number][] };

async function resolveImage(
  need: ImageNeed,
  registry: RegistryClientOptions,
  keep: Map<string, Buffer> | undefined,
): Promise<ResolvedImage> {
  const { host, name } = parseRegistryRef(need.reference);
  const manifest = await ask(need, host, () => readManifest(need.reference, registry));
  keep?.set(`${host}/${name}@${manifest.digest}`, manifest.bytes);
  const all =
    manifest.manifests.length > 0
      ? manifest.manifests.map((m) => ({ platform: formatPlatform(m.platform), digest: m.digest }))
      : manifest.platform
        ? [{ platform: formatPlatform(manifest.platform), digest: manifest.digest }]
        : [];
  const missing = (need.platforms ?? []).filter((p) => !all.some((m) => m.platform === p));
  if (missing.length > 0) {
    throw new RuntimeError(
      'E_PLATFORM_UNSUPPORTED',
      `${need.reference} (needed by ${need.usedBy.join(', ')}) has no image for ${missing.join(', ')}; it has ${all.map((m) => m.platform).join(', ') || 'no platform'}.`,
      { hint: 'leave that platform out of --platform, or publish the image for it' },
    );
  }
  const taken = all
    .filter((m) => need.platforms === undefined || need.platforms.includes(m.platform))
    .sort((a, b) => (a.platform < b.platform ? -1 : a.platform > b.platform ? 1 : 0));
  const blobs: [string, number][] = [];
  const platforms: BomImage['platforms'] = [];
  // the platforms' manifests at once (one round trip), then taken in platform order (the first failure reported)
  const answers = await Promise.allSettled(
    taken.map(({ digest }) =>
      ask(need, host, () =>
        readRawManifest(`${host}/${name}@${digest}`, [MEDIA_TYPES.ociManifest, MEDIA_TYPES.dockerManifest], registry),
      ),
    ),
  );
  for (const [i, { platform, digest }] of taken.entries()) {
    const answer = answers[i] as PromiseSettledResult<Awaited<ReturnType<typeof readRawManifest>>>;
    if (answer.status === 'rejected') throw answer.reason;
    const raw = answer.value;
    if (raw) keep?.set(`${host}/${name}@${raw.digest}`, raw.bytes);
    const json = (raw?.json ?? {}) as {
      config?: { digest: string; size: number };
      layers?: { digest: string; size: number }[];
    };
    const parts = [...(json.config ? [json.config] : []), ...(json.layers ?? [])];
    const size = parts.reduce((n, p) => n + p.size, raw?.bytes.length ?? 0);
    for (const p of parts) blobs.push([p.digest, p.size]);
    if (raw) blobs.push([raw.digest, raw.bytes.length]);
    platforms.push({ platform, digest, size });
  }
  const allPlatforms = taken.length === all.length;
  const digest = allPlatforms || taken.length !== 1 ? manifest.digest : taken[0]!.digest;
  const tag = parseImageTag(need.reference);
  return {
    reference: need.reference,
    registry: host,
    repository: name,
    ...(tag !== undefined ? { tag } : {}),
    digest,
    registryDigest: manifest.digest,
    allPlatforms,
    platforms,
    kind: need.kind,
    usedBy: need.usedBy,
    blobs,
  };
}

/** The tag of `host/path:tag[@digest]`, if it has one. */
function parseImageTag(reference: string): string | undefined {
  const at = reference.indexOf('@');
  const path = at === -1 ? reference : reference.slice(0, at);
  const colon = path.lastIndexOf(':');
  return colon > path.lastIndexOf('/') ? path.slice(colon + 1) : undefined;
}
