import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import {
  ArchiveError,
  dockerLoad,
  dockerTag,
  enginePresentImages,
  type ImportProgress,
  importToEngine,
  importToRegistry,
  localEnginePlatform,
  verifyArchive,
  writeArchiveFiles,
} from '@e/core/offline';
import type { GlobalOptions } from '../cli.js';
import { emit } from '../output.js';
import type { ImportFlags } from '../register-offline.js';

export interface ImportOptions extends GlobalOptions, ImportFlags {
  file: string;
}

/**
 * e import: verify the whole archive first (nothing is loaded, pushed or written before), then
 * load the engine platform's images into the engine or push all of them to --registry, write the
 * repository file naming them, and the archive's files under --out.
 */
export async function importCommand(options: ImportOptions): Promise<void> {
  const file = resolve(options.file);
  if (!existsSync(file))
    throw new ArchiveError('E_ARCHIVE_READ', `The archive ${file} does not exist.`, {
      hint: 'Give the file e export wrote.',
    });
  if (options.registry !== undefined && !/^[A-Za-z0-9.-]+(:\d+)?$|^\[[0-9a-fA-F:]+\](:\d+)?$/.test(options.registry)) {
    throw new ArchiveError('E_IMPORT_REGISTRY', `--registry ${JSON.stringify(options.registry)} is not HOST:PORT.`, {
      hint: 'For example: --registry registry.site.local:5000',
    });
  }
  const repositoryOut = resolve(options.repositoryOut);
  if (existsSync(repositoryOut) && !options.force) {
    throw new ArchiveError('E_IMPORT_EXISTS', `${repositoryOut} exists; e import does not overwrite it.`, {
      hint: 'Name another file with --repository-out, or pass --force.',
    });
  }
  const say = (line: string) => {
    if (options.output === 'text') process.stderr.write(`${line}\n`);
  };
  say(`Verifying ${file} ...`);
  // into the engine: only the engine's platform is loaded, and only images the engine lacks, so
  // only their layers need unpacking to check
  let enginePlatform: string | undefined;
  if (options.registry === undefined) enginePlatform = await localEnginePlatform();
  const archive = await verifyArchive(
    file,
    enginePlatform !== undefined ? { platform: enginePlatform, present: enginePresentImages } : {},
  );
  say(`Verified ${archive.entries.size} entries: ${archive.images.length} images, written by e ${archive.manifest.e}.`);
  const progress = (event: ImportProgress) => {
    if (event.phase === 'blob') say(`  ${event.action} ${event.name} (${event.done}/${event.total})`);
    else if (event.phase === 'manifest') say(`  pushed ${event.reference}`);
  };
  let repositoryText: string;
  let data: Record<string, unknown>;
  let summary: string;
  if (options.registry !== undefined) {
    const result = await importToRegistry(archive, { registry: options.registry, progress });
    repositoryText = result.repositoryText;
    const { repositoryText: _, ...rest } = result;
    data = rest;
    summary = `Pushed ${Object.keys(result.references).length} images to ${options.registry} (${result.pushed} blobs uploaded, ${result.mounted + result.present} already there).`;
  } else {
    const platform = enginePlatform as string;
    const result = await importToEngine(archive, {
      platform,
      load: dockerLoad,
      tag: dockerTag,
      present: enginePresentImages,
      progress,
    });
    repositoryText = result.repositoryText;
    const { repositoryText: _, ...rest } = result;
    data = rest;
    const had = result.loaded.filter((l) => l.action === 'present').length;
    const loaded = result.loaded.length - had;
    const none = result.skipped.length > 0 ? ` (none for this platform: ${result.skipped.join(', ')})` : '';
    summary =
      loaded === 0 && had > 0
        ? `The engine already had ${had === 1 ? 'the image' : `all ${had} images`} for ${platform}: tagged, loaded nothing${none}.`
        : `Loaded ${loaded} image${loaded === 1 ? '' : 's'} for ${platform} into the engine${had > 0 ? `; tagged ${had} it already had` : ''}${none}.`;
  }
  await mkdir(dirname(repositoryOut), { recursive: true });
  await writeFile(repositoryOut, repositoryText);
  const written = await writeArchiveFiles(archive, resolve(options.out));
  emit(options.output, { ...data, repository: repositoryOut, files: written }, () =>
    [
      summary,
      `Wrote ${repositoryOut}${written.length > 0 ? ` and ${written.length} files under ${resolve(options.out)}` : ''}.`,
      `Next: e -r ${options.repositoryOut} module install MODULE --with-deps`,
    ].join('\n'),
  );
}
