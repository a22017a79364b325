import { RuntimeError } from '../errors.js';
import type { ModuleVersion } from '../repository/model.js';
import { formatPlatform, normalizeArchitecture, type Platform, samePlatform } from './platform.js';

/** The image to run a module version on a platform, chosen before anything is pulled. */
export interface ImageChoice {
  ref: string;
  /** True when the ref came from the `images` map: it must hold exactly this platform. */
  perArchitecture: boolean;
}

function label(module: string, version: ModuleVersion): string {
  return `${module} ${version.version}`;
}

/**
 * Picks the image for `platform` from the repository entry alone (the `images` map, or `image`
 * checked against the declared `architectures`), refusing early with what is available.
 */
export function chooseImage(module: string, version: ModuleVersion, platform: Platform): ImageChoice {
  const wanted = formatPlatform(platform);
  if (version.images && Object.keys(version.images).length > 0) {
    const entry = Object.entries(version.images).find(
      ([arch]) => normalizeArchitecture(arch) === platform.architecture,
    );
    if (entry === undefined) {
      throw unsupported(
        module,
        version,
        wanted,
        Object.keys(version.images).map((a) => `linux/${normalizeArchitecture(a)}`),
        'its images map',
      );
    }
    return { ref: entry[1], perArchitecture: true };
  }
  if (!version.image) {
    throw new RuntimeError('E_NO_IMAGE', `${label(module, version)} names no image in the repository.`);
  }
  if (version.architectures !== undefined) {
    const declared = version.architectures.map(normalizeArchitecture);
    if (!declared.includes(platform.architecture)) {
      throw unsupported(
        module,
        version,
        wanted,
        declared.map((a) => `linux/${a}`),
        'the repository',
      );
    }
  }
  return { ref: version.image, perArchitecture: false };
}

/** Refuses when the registry's manifest for `ref` holds no image for `platform`. */
export function checkRegistryPlatforms(
  module: string,
  version: ModuleVersion,
  ref: string,
  platform: Platform,
  available: readonly Platform[],
): void {
  if (available.length === 0 || available.some((p) => samePlatform(p, platform))) return;
  throw unsupported(module, version, formatPlatform(platform), available.map(formatPlatform), `the registry (${ref})`);
}

/** Fails when a pulled image is not for the platform it was pulled for (Docker does not check). */
export function checkPulledArchitecture(
  ref: string,
  platform: Platform,
  image: { os: string; architecture: string },
): void {
  const actual = { os: image.os, architecture: normalizeArchitecture(image.architecture) };
  if (samePlatform(actual, platform)) return;
  throw new RuntimeError(
    'E_IMAGE_WRONG_PLATFORM',
    `${ref} was pulled for ${formatPlatform(platform)}, but the image is built for ${formatPlatform(actual)}.`,
    {
      hint: `Publish a ${formatPlatform(platform)} image (or a multi-arch index) for it, or choose another platform with --platform.`,
    },
  );
}

function unsupported(
  module: string,
  version: ModuleVersion,
  wanted: string,
  available: readonly string[],
  where: string,
): RuntimeError {
  const list = [...new Set(available)].sort().join(', ') || 'none';
  return new RuntimeError(
    'E_PLATFORM_UNSUPPORTED',
    `${label(module, version)} cannot run on ${wanted}: ${where} offers ${list}.`,
    { hint: `Run it on one of those with --platform (or E_PLATFORM), if the engine can emulate it.` },
  );
}
