import { createHash } from 'node:crypto';
import { RuntimeError } from '../errors.js';
import type { ImageBuilder } from '../runtime/image-builder.js';
import type { Platform } from '../runtime/platform.js';
import { MEDIA_TYPES, type RawManifest } from '../runtime/registry-client.js';

const IMAGE_MANIFESTS = [MEDIA_TYPES.dockerManifest, MEDIA_TYPES.ociManifest];
const INDEXES = [MEDIA_TYPES.dockerList, MEDIA_TYPES.ociIndex];

/** One platform's image, already tagged locally as its per-platform reference (`...:0.1.0-amd64`). */
export interface PlatformTag {
  platform: Platform;
  /** The per-platform reference, e.g. localhost:5000/modules/kafka:0.1.0-amd64. */
  tag: string;
  /** The local image id under `tag`. */
  imageId: string;
}

export interface PublishedImage {
  reference: string;
  /** Digest of the multi-arch index under `reference`. */
  digest: string;
  indexWritten: boolean;
  platforms: { platform: Platform; tag: string; digest: string; pushed: boolean }[];
}

/**
 * Pushes each per-platform tag the registry does not hold yet (same config digest) and writes the
 * multi-arch index `reference` over them, unless the registry holds exactly that index already.
 * A local copy of `reference` that is none of these images is untagged: it would shadow them for
 * a run with the default pull policy.
 */
export async function publishMultiArch(
  builder: ImageBuilder,
  reference: string,
  images: readonly PlatformTag[],
): Promise<PublishedImage> {
  const platforms: PublishedImage['platforms'] = [];
  const entries: { mediaType: string; size: number; digest: string; platform: Record<string, string> }[] = [];
  for (const image of images) {
    let remote = await builder.registryManifest(image.tag, IMAGE_MANIFESTS);
    let pushed = false;
    if (remote?.json.config?.digest !== image.imageId) {
      await builder.push(image.tag);
      pushed = true;
      remote = await builder.registryManifest(image.tag, IMAGE_MANIFESTS);
    }
    if (remote === undefined) {
      throw new RuntimeError('E_PUSH_FAILED', `${image.tag} was pushed, but the registry does not have it.`);
    }
    platforms.push({ platform: image.platform, tag: image.tag, digest: remote.digest, pushed });
    entries.push(indexEntry(remote, image.platform));
  }
  const index = indexManifest(entries);
  const current = await builder.registryManifest(reference, INDEXES);
  let digest = current?.digest;
  const indexWritten = digest !== index.digest;
  if (indexWritten) digest = await builder.putRegistryManifest(reference, index);
  const shadow = await builder.inspect(reference);
  if (shadow !== undefined && !images.some((image) => image.imageId === shadow.id)) await builder.untag(reference);
  return { reference, digest: digest as string, indexWritten, platforms };
}

function indexEntry(manifest: RawManifest, platform: Platform) {
  return {
    mediaType: manifest.mediaType,
    size: manifest.bytes.length,
    digest: manifest.digest,
    platform: {
      architecture: platform.architecture,
      os: platform.os,
      ...(platform.variant ? { variant: platform.variant } : {}),
    },
  };
}

/** The index over `manifests`: OCI when every manifest is OCI, else Docker's manifest list. */
export function indexManifest(manifests: readonly { mediaType: string }[]): {
  mediaType: string;
  body: string;
  digest: string;
} {
  const oci = manifests.length > 0 && manifests.every((m) => m.mediaType === MEDIA_TYPES.ociManifest);
  const mediaType = oci ? MEDIA_TYPES.ociIndex : MEDIA_TYPES.dockerList;
  const body = JSON.stringify({ schemaVersion: 2, mediaType, manifests });
  return { mediaType, body, digest: `sha256:${createHash('sha256').update(body).digest('hex')}` };
}
