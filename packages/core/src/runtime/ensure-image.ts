import { RuntimeError } from '../errors.js';
import type { ModuleVersion } from '../repository/model.js';
import { checkPulledArchitecture, checkRegistryPlatforms, chooseImage } from './check-platform.js';
import type { ContainerRuntime, ImageDetails, PullProgress } from './container-runtime.js';
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
  /** `repo@sha256:...` of the manifest the reference resolved to (what e pins), else the id. */
  digest: string;
  pulled: boolean;
}

export interface EnsureImageOptions {
  module: string;
  version: ModuleVersion;
  platform: Platform;
  policy: PullPolicy;
  /** The digest in e's records, preferred when the local image carries several. */
  recordedDigest?: string;
  events?: {
    pullStart?(ref: string, platform: string): void;
    pullProgress?(event: PullProgress): void;
    pullEnd?(ref: string): void;
  };
}

/**
 * Makes the module version's image for `platform` available locally: refuses before pulling when
 * the version cannot run there (repository entry, then the registry's platforms), pulls only that
 * platform, and checks the architecture of what arrived.
 */
export async function ensureImage(runtime: ContainerRuntime, options: EnsureImageOptions): Promise<ResolvedImage> {
  const { module, version, platform } = options;
  const choice = chooseImage(module, version, platform);
  const { ref } = choice;
  const local = options.policy === 'always' ? undefined : await runtime.inspectImage(ref);
  if (local !== undefined && samePlatform(local, platform)) {
    return {
      ref,
      runRef: local.id,
      id: local.id,
      digest: await pinnedDigest(runtime, ref, local, options.recordedDigest),
      pulled: false,
    };
  }
  const wanted = formatPlatform(platform);
  if (options.policy === 'never') {
    throw new RuntimeError(
      'E_IMAGE_MISSING',
      `${ref} for ${wanted} is not in the local engine, and --pull never forbids pulling it.`,
      {
        hint: 'Pull it with --pull missing, or import an offline archive with e import.',
      },
    );
  }
  const registry = await runtime.registryImage(ref);
  checkRegistryPlatforms(module, version, ref, platform, registry.platforms);
  options.events?.pullStart?.(ref, wanted);
  await runtime.pull(ref, { platform, onProgress: options.events?.pullProgress });
  options.events?.pullEnd?.(ref);
  const pulled = await runtime.inspectImage(ref);
  if (pulled === undefined)
    throw new RuntimeError('E_IMAGE_MISSING', `${ref} was pulled, but the engine does not list it.`);
  checkPulledArchitecture(ref, platform, pulled);
  const digest = ref.includes('@')
    ? `${repository(ref)}@${ref.slice(ref.indexOf('@') + 1)}`
    : `${repository(ref)}@${registry.digest}`;
  return { ref, runRef: pulled.id, id: pulled.id, digest, pulled: true };
}

/**
 * The registry digest of a local image. Docker may list several (the index and the platform's
 * manifest): prefer e's record, then the one the registry names now, then the first.
 */
async function pinnedDigest(
  runtime: ContainerRuntime,
  ref: string,
  image: ImageDetails,
  recorded?: string,
): Promise<string> {
  if (ref.includes('@')) return `${repository(ref)}@${ref.slice(ref.indexOf('@') + 1)}`;
  const candidates = image.repoDigests.filter((d) => d.startsWith(`${repository(ref)}@`));
  if (recorded !== undefined && candidates.includes(recorded)) return recorded;
  if (candidates.length === 1) return candidates[0] as string;
  if (candidates.length === 0) return image.id;
  try {
    const registry = await runtime.registryImage(ref);
    const named = `${repository(ref)}@${registry.digest}`;
    if (candidates.includes(named)) return named;
  } catch {
    // the registry is not needed to run a local image
  }
  return candidates[0] as string;
}

/** `localhost:5000/modules/hello` of `localhost:5000/modules/hello:0.1.0` (or `...@sha256:...`). */
export function repository(ref: string): string {
  const noDigest = ref.split('@')[0] ?? ref;
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  return colon > slash ? noDigest.slice(0, colon) : noDigest;
}
