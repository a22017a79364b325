import type { ArchiveFile } from '@e/core/offline';

/**
 * The e command line as an npm package tarball for the archive; undefined until it can be made
 * self-contained (see docs/offline.md).
 */
export async function cliPackage(): Promise<ArchiveFile | undefined> {
  return undefined;
}
