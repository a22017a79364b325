import { parseRegistryRef } from '../runtime/registry-client.js';
import {
  hasBlob,
  isLoopback,
  openBlob,
  pushBlob,
  putManifestBytes,
  readManifestBytes,
  registryEndpoint,
} from './archive-registry.js';
import { MANIFEST_ACCEPT, parseImageJson } from './oci-layout.js';

/**
 * Copies an image (index, every manifest, config and layer blobs) from its registry to the same
 * repository path and tag in the registry at `host`, byte for byte and streamed, so every digest
 * stays. Blobs the target has are not sent again. Returns the new reference.
 */
export async function copyImage(
  reference: string,
  host: string,
  insecure: (host: string) => boolean = isLoopback,
): Promise<string> {
  const from = parseRegistryRef(reference);
  const source = registryEndpoint(from.host, insecure);
  const target = registryEndpoint(host, insecure);
  const copyManifest = async (ref: string, tagAs?: string): Promise<void> => {
    const got = await readManifestBytes(source, from.name, ref, MANIFEST_ACCEPT);
    const parsed = parseImageJson(got.bytes);
    if ('problem' in parsed) throw new Error(`${from.name}@${got.digest} ${parsed.problem}`);
    if (parsed.kind === 'index') {
      for (const child of parsed.index.manifests) await copyManifest(child.digest);
    } else {
      for (const blob of [parsed.manifest.config, ...parsed.manifest.layers]) {
        if (await hasBlob(target, from.name, blob.digest)) continue;
        await pushBlob(target, from.name, blob.digest, blob.size, await openBlob(source, from.name, blob.digest));
      }
    }
    const mediaType = parsed.kind === 'index' ? parsed.index.mediaType : parsed.manifest.mediaType;
    await putManifestBytes(target, from.name, tagAs ?? got.digest, mediaType, got.bytes);
  };
  await copyManifest(from.reference, from.reference);
  return `${host}/${from.name}:${from.reference}`;
}
