import { RuntimeError } from '../errors.js';
import type { ModuleVersion } from '../repository/model.js';
import { checkPulledArchitecture, checkRegistryPlatforms, chooseImage } from './check-platform.js';
import type { ContainerRuntime, ImageDetails, PullProgress, RegistryImage } from './container-runtime.js';
import { formatPlatform, type Platform, samePlatform } from './platform.js';

/** missing: pull unless the right platform is already local (docker run's default); always; never. */
export type PullPolicy = 'missing' | 'always' | 'never';

export interface ResolvedImage {
  /** The reference from the repository. */
  ref: string;
  /** What the container is created from: the local image id, so a re-pointed tag cannot swap it. */
  runRef: string;
  /** Image config id (`sha256:...`), specific to the platform. */
  id: string;
  /** `repo@sha256:...`: what the reference resolved to (the index or manifest), pulled and recorded. */
  digest: string;
  pulled: boolean;
}

export interface EnsureImageOptions {
  module: string;
  version: ModuleVersion;
  platform: Platform;
  policy: PullPolicy;
  /**
   * The digest e recorded when this version was installed on this platform: it runs instead of
   * whatever the tag names now (`always` resolves the tag again).
   */
  recordedDigest?: string;
  /** Ctrl-C: stops a pull in progress. */
  signal?: AbortSignal;
  events?: {
    pullStart?(ref: string, platform: string): void;
    pullProgress?(event: PullProgress): void;
    pullEnd?(ref: string): void;
  };
}

/**
 * Makes the module version's image for `platform` available locally, by digest: the reference is
 * resolved once (the recorded digest, a digest in the repository, else the manifest the registry
 * names for the tag and platform now), refused before pulling when the version cannot run there, then `repo@digest` is
 * pulled for that platform only and the architecture of what arrived is checked. Without a
 * registry, an image already local under the tag still runs (an imported archive, a local build).
 */
export async function ensureImage(runtime: ContainerRuntime, options: EnsureImageOptions): Promise<ResolvedImage> {
  const { module, version, platform, policy } = options;
  const { ref } = chooseImage(module, version, platform);
  const repo = repository(ref);
  let pinned = ref.includes('@') ? `${repo}@${ref.slice(ref.indexOf('@') + 1)}` : undefined;
  if (pinned === undefined && policy !== 'always' && options.recordedDigest?.startsWith(`${repo}@`)) {
    pinned = options.recordedDigest;
  }
  if (pinned !== undefined && policy !== 'always') {
    const local = (await runtime.inspectImage(pinned)) ?? (await runtime.inspectImage(loadedDigestTag(pinned)));
    if (local !== undefined && samePlatform(local, platform)) return found(ref, pinned, local, false);
  }
  if (pinned === undefined) {
    let registry: RegistryImage;
    try {
      registry = await runtime.registryImage(ref);
    } catch (error) {
      if (policy === 'always') throw error;
      const local = await runtime.inspectImage(ref);
      if (local === undefined || !samePlatform(local, platform)) throw error;
      const known = local.repoDigests.find((d) => d.startsWith(`${repo}@`));
      return found(ref, known ?? local.id, local, false);
    }
    checkRegistryPlatforms(module, version, ref, platform, registry.platforms);
    pinned = `${repo}@${platformDigest(registry, platform)}`;
    if (policy === 'missing') {
      const local = await runtime.inspectImage(pinned);
      if (local !== undefined && samePlatform(local, platform)) return found(ref, pinned, local, false);
    }
  }
  const wanted = formatPlatform(platform);
  if (policy === 'never') {
    throw new RuntimeError(
      'E_IMAGE_MISSING',
      `${pinned} for ${wanted} is not in the local engine, and --pull never forbids pulling it.`,
      { hint: 'Pull it with --pull missing, or import an offline archive with e import.' },
    );
  }
  options.events?.pullStart?.(pinned, wanted);
  await runtime.pull(pinned, { platform, onProgress: options.events?.pullProgress, signal: options.signal });
  options.events?.pullEnd?.(pinned);
  const pulled = await runtime.inspectImage(pinned);
  if (pulled === undefined)
    throw new RuntimeError('E_IMAGE_MISSING', `${pinned} was pulled, but the engine does not list it.`);
  checkPulledArchitecture(ref, platform, pulled);
  return found(ref, pinned, pulled, true);
}

/**
 * What e pulls and records for a platform: the platform's own manifest in an index (one local
 * reference per platform, so two platforms of one tag never fight over it), else the digest.
 */
function platformDigest(registry: RegistryImage, platform: Platform): string {
  return registry.manifests?.find((m) => samePlatform(m.platform, platform))?.digest ?? registry.digest;
}

function found(ref: string, digest: string, image: ImageDetails, pulled: boolean): ResolvedImage {
  return { ref, runRef: image.id, id: image.id, digest, pulled };
}

/**
 * The digest the tag of `image` names in the registry now, when it differs from the one that runs
 * (a re-pushed tag); undefined when the same, for a digest reference, or when the registry cannot be asked.
 */
export async function newerUnderTag(
  runtime: ContainerRuntime,
  image: ResolvedImage,
  platform: Platform,
): Promise<string | undefined> {
  if (image.ref.includes('@')) return undefined;
  try {
    const now = `${repository(image.ref)}@${platformDigest(await runtime.registryImage(image.ref), platform)}`;
    return now === image.digest ? undefined : now;
  } catch {
    return undefined;
  }
}

/**
 * `repo:sha256-<hex>` of `repo@sha256:<hex>`: the tag e import gives an image it loads into the
 * engine (the classic store keeps no digest for loaded images), so a digest e recorded, or one
 * the repository names, still finds it without a registry.
 */
export function loadedDigestTag(pinned: string): string {
  return pinned.replace(/@(sha256):([a-f0-9]{64})$/, ':$1-$2');
}

/** `localhost:5000/modules/hello` of `localhost:5000/modules/hello:0.1.0` (or `...@sha256:...`). */
export function repository(ref: string): string {
  const noDigest = ref.split('@')[0] ?? ref;
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  return colon > slash ? noDigest.slice(0, colon) : noDigest;
}
