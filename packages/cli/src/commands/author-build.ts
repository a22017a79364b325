import { type BuildEvent, buildModule, DEFAULT_PLATFORMS, type ModuleBuild, registryFromEnv } from '@e/core';
import { createDockerBuilder, parsePlatform } from '@e/core/runtime';
import type { GlobalOptions } from '../cli.js';
import { emit, terminalText } from '../output.js';
import { seconds } from './author-shared.js';

export interface AuthorBuildOptions extends GlobalOptions {
  dir: string;
  push?: boolean;
  tag?: string;
  base?: string;
  /** `--platform` as given on the command line (a comma-separated list); E_PLATFORM does not apply to builds. */
  platforms?: string;
}

/**
 * e module build [DIR]: the module's image for each platform, cached by content hash; with --push
 * the per-platform images and the multi-arch index. Progress goes to stderr, the result to stdout
 * (the reference, or with -o json|yaml every digest).
 */
export async function authorBuild(options: AuthorBuildOptions): Promise<void> {
  const platforms =
    options.platforms === undefined
      ? DEFAULT_PLATFORMS
      : options.platforms
          .split(',')
          .filter((p) => p.trim() !== '')
          .map((p) => parsePlatform(p, '--platform'));
  const builder = await createDockerBuilder();
  const result = await buildModule(builder, {
    dir: options.dir,
    platforms,
    push: options.push === true,
    tag: options.tag,
    base: options.base,
    registry: registryFromEnv(process.env),
    onEvent: (event) => process.stderr.write(terminalText(process.stderr, `${progressLine(event)}\n`)),
  });
  if (!result.pushed) {
    process.stderr.write(
      'Not pushed: e module test and e module validate pull from the registry, so build with --push first.\n',
    );
  }
  emit(options.output, result, () => renderResult(result));
}

function progressLine(event: BuildEvent): string {
  switch (event.type) {
    case 'bundled':
      return `${event.module}: bundled ${event.entry} (${Math.ceil(event.bytes / 1024)} kB)`;
    case 'building':
      return `${event.platform}: building ${event.tag}`;
    case 'built':
      return `${event.platform}: built ${event.imageId.slice(0, 19)} in ${seconds(event.ms)}`;
    case 'cached':
      return `${event.platform}: cached ${event.tag}`;
    case 'published':
      return `${event.reference}: ${event.pushed === 0 ? 'nothing to push' : `pushed ${event.pushed} image${event.pushed === 1 ? '' : 's'}`}, index ${event.indexWritten ? 'written' : 'unchanged'} (${event.digest})`;
  }
}

/** The references to use: the multi-arch one when pushed, else each platform's local tag. */
function renderResult(result: ModuleBuild): string {
  return result.images
    .flatMap((image) => (result.pushed ? [image.reference] : image.platforms.map((p) => p.tag)))
    .join('\n');
}
