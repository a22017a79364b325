import { createHash } from 'node:crypto';
import { copyFile, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { RuntimeError } from '../errors.js';
import { repository } from '../runtime/ensure-image.js';
import type { ImageBuilder, LocalImage } from '../runtime/image-builder.js';
import { formatPlatform, type Platform, samePlatform } from '../runtime/platform.js';
import { MEDIA_TYPES } from '../runtime/registry-client.js';
import { baseImageRef, CONTENT_HASH_LABEL } from './base-image.js';
import { bundleModule } from './bundle-module.js';
import { DockerIgnore } from './dockerignore.js';
import {
  DEFAULT_DOCKERFILE,
  declaresArg,
  dockerfileArgDefault,
  imageReferences,
  type ModuleProject,
  readModuleProject,
} from './module-project.js';
import { publishMultiArch } from './publish-image.js';

export const DEFAULT_PLATFORMS: readonly Platform[] = [
  { os: 'linux', architecture: 'amd64' },
  { os: 'linux', architecture: 'arm64' },
];

/** Where a Node module with its own Dockerfile finds its bundle: the Dockerfile copies it from here. */
export const BUNDLE_PATH = 'dist/module.mjs';

export interface BuildModuleOptions {
  dir: string;
  /** Default: linux/amd64 and linux/arm64. */
  platforms?: readonly Platform[];
  /** Push each platform's image and write the multi-arch index. */
  push: boolean;
  /** The multi-arch reference (`--tag`); default `<registry>/modules/<name>:<version>`. */
  tag?: string;
  registry: string;
  /** The image `ARG BASE` gets; default the Dockerfile's own default, else e's base image. */
  base?: string;
  onEvent?(event: BuildEvent): void;
}

export type BuildEvent =
  | { type: 'bundled'; module: string; entry: string; bytes: number }
  | { type: 'cached'; version: string; platform: string; tag: string }
  | { type: 'building'; version: string; platform: string; tag: string }
  | { type: 'built'; version: string; platform: string; tag: string; imageId: string; ms: number }
  | { type: 'published'; version: string; reference: string; digest: string; pushed: number; indexWritten: boolean };

export interface PlatformBuild {
  platform: string;
  /** The per-platform tag, e.g. localhost:5000/modules/kafka:0.1.0-amd64. */
  tag: string;
  imageId: string;
  /** Its manifest digest in the registry (after --push), else null. */
  digest: string | null;
  built: boolean;
  pushed: boolean;
}

export interface VersionBuild {
  version: string;
  /** The multi-arch reference (pushed) or the one its per-platform tags derive from. */
  reference: string;
  /** Digest of the multi-arch index (after --push), else null. */
  digest: string | null;
  indexWritten: boolean;
  platforms: PlatformBuild[];
}

export interface ModuleBuild {
  module: string;
  dir: string;
  pushed: boolean;
  images: VersionBuild[];
}

/** A file of the build context: bytes made by e, a file of the module directory, or a symlink in it. */
type ContextEntry = { data: Uint8Array } | { file: string } | { link: string };

/**
 * Builds a module directory's image for each platform (the engine emulates the foreign one),
 * checks the architecture each image records, and with `push` publishes per-platform tags and a
 * multi-arch index. Images are keyed by a content hash (base image, version, Dockerfile, context)
 * in the label org.e.content-hash: what is already built is not built again, what the registry
 * holds is not pushed again.
 */
export async function buildModule(builder: ImageBuilder, options: BuildModuleOptions): Promise<ModuleBuild> {
  const project = await readModuleProject(options.dir);
  const targets = imageReferences(project, { registry: options.registry, tag: options.tag });
  const platforms = options.platforms ?? DEFAULT_PLATFORMS;
  const { dockerfile, context, hashParts } = await buildContext(project, options);
  const bases = new Map<string, { ref: string; identity: string }>();
  const baseRef = declaresArg(dockerfile, 'BASE')
    ? (options.base ?? dockerfileArgDefault(dockerfile, 'BASE') ?? baseImageRef(options.registry))
    : undefined;
  const contextDir = await materialize(context);
  const result: ModuleBuild = { module: project.name, dir: project.dir, pushed: options.push, images: [] };
  try {
    for (const { version, reference } of targets) {
      const built: PlatformBuild[] = [];
      for (const platform of platforms) {
        const key = formatPlatform(platform);
        let base: { ref: string; identity: string } | undefined;
        if (baseRef !== undefined) {
          base = bases.get(key) ?? (await resolveBase(builder, baseRef, platform));
          bases.set(key, base);
        }
        const hash = contentHash([base?.identity ?? '', version, dockerfile, ...hashParts]);
        const tag = `${reference}-${platformSuffix(platform)}`;
        let image = await builder.inspect(tag);
        const cached =
          image?.labels[CONTENT_HASH_LABEL] === hash && image !== undefined && samePlatform(image, platform);
        if (!cached) {
          options.onEvent?.({ type: 'building', version, platform: key, tag });
          const started = Date.now();
          await builder.build({
            contextDir,
            files: [...context.keys()],
            tag,
            platform,
            buildArgs: {
              ...(base !== undefined ? { BASE: base.ref } : {}),
              ...(declaresArg(dockerfile, 'MODULE_VERSION') ? { MODULE_VERSION: version } : {}),
            },
            labels: {
              [CONTENT_HASH_LABEL]: hash,
              'org.e.role': 'module',
              'org.e.module': project.name,
              'org.e.module-version': version,
            },
          });
          image = checkArchitecture(tag, platform, await builder.inspect(tag));
          options.onEvent?.({
            type: 'built',
            version,
            platform: key,
            tag,
            imageId: image.id,
            ms: Date.now() - started,
          });
        } else options.onEvent?.({ type: 'cached', version, platform: key, tag });
        built.push({
          platform: key,
          tag,
          imageId: (image as LocalImage).id,
          digest: null,
          built: !cached,
          pushed: false,
        });
      }
      const entry: VersionBuild = { version, reference, digest: null, indexWritten: false, platforms: built };
      if (options.push) {
        const published = await publishMultiArch(
          builder,
          reference,
          built.map((b, i) => ({ platform: platforms[i] as Platform, tag: b.tag, imageId: b.imageId })),
        );
        entry.digest = published.digest;
        entry.indexWritten = published.indexWritten;
        published.platforms.forEach((p, i) => {
          const target = built[i] as PlatformBuild;
          target.digest = p.digest;
          target.pushed = p.pushed;
        });
        options.onEvent?.({
          type: 'published',
          version,
          reference,
          digest: published.digest,
          pushed: published.platforms.filter((p) => p.pushed).length,
          indexWritten: published.indexWritten,
        });
      }
      result.images.push(entry);
    }
  } finally {
    await rm(contextDir, { recursive: true, force: true });
  }
  return result;
}

/** `amd64`, `arm64`, `arm-v7`: the suffix of a per-platform tag. */
export function platformSuffix(platform: Platform): string {
  return platform.variant ? `${platform.architecture}-${platform.variant}` : platform.architecture;
}

/**
 * The build context, and what its content hash is made of. A Node module without a Dockerfile
 * gets e's default one over its bundle and `files/`; a directory with a Dockerfile is its own
 * context (what `.dockerignore` keeps), after a Node module's bundle is written to dist/module.mjs.
 */
async function buildContext(
  project: ModuleProject,
  options: Pick<BuildModuleOptions, 'onEvent'>,
): Promise<{ dockerfile: string; context: Map<string, ContextEntry>; hashParts: (string | Uint8Array)[] }> {
  const code = project.entry === undefined ? undefined : await bundleModule(project.dir, project.entry);
  if (code !== undefined && project.entry !== undefined) {
    options.onEvent?.({ type: 'bundled', module: project.name, entry: project.entry, bytes: code.length });
  }
  const context = new Map<string, ContextEntry>();
  const hashParts: (string | Uint8Array)[] = [];
  if (project.dockerfile === undefined) {
    context.set('Dockerfile', { data: Buffer.from(DEFAULT_DOCKERFILE) });
    context.set('module.mjs', { data: code as Uint8Array });
    hashParts.push(code as Uint8Array);
    const filesDir = join(project.dir, 'files');
    for (const path of await listFiles(filesDir)) {
      context.set(`files/${path}`, { file: join(filesDir, path) });
      hashParts.push(path, await readFile(join(filesDir, path)));
    }
    return { dockerfile: DEFAULT_DOCKERFILE, context, hashParts };
  }
  if (code !== undefined) {
    await mkdir(join(project.dir, dirname(BUNDLE_PATH)), { recursive: true });
    await writeFile(join(project.dir, BUNDLE_PATH), code);
  }
  const ignoreText = await readOptional(join(project.dir, '.dockerignore'));
  const ignore = new DockerIgnore(ignoreText ?? '');
  // the Dockerfile is sent whatever .dockerignore says; .dockerignore itself only counts for the
  // hash (in the context e hands over, dockerode would apply it a second time)
  const paths = (await listFiles(project.dir, ignore)).filter((path) => path !== '.dockerignore');
  if (!paths.includes('Dockerfile')) paths.push('Dockerfile');
  paths.sort();
  if (ignoreText !== undefined) hashParts.push('.dockerignore', ignoreText);
  for (const path of paths) {
    const absolute = join(project.dir, path);
    const stats = await lstat(absolute);
    if (stats.isSymbolicLink()) {
      const link = await readlink(absolute);
      context.set(path, { link });
      hashParts.push(path, `-> ${link}`);
    } else {
      context.set(path, { file: absolute });
      hashParts.push(path, await readFile(absolute));
    }
  }
  return { dockerfile: project.dockerfile, context, hashParts };
}

/**
 * The image `ARG BASE` gets on `platform`, pinned to that platform's manifest digest (pulled when
 * not local), and what identifies its content for the hash: its own content-hash label, else its id.
 */
async function resolveBase(
  builder: ImageBuilder,
  ref: string,
  platform: Platform,
): Promise<{ ref: string; identity: string }> {
  const wanted = formatPlatform(platform);
  let pinned = ref.includes('@') ? ref : undefined;
  if (pinned === undefined) {
    let manifest: Awaited<ReturnType<ImageBuilder['registryManifest']>>;
    try {
      manifest = await builder.registryManifest(ref, [
        MEDIA_TYPES.ociIndex,
        MEDIA_TYPES.dockerList,
        MEDIA_TYPES.ociManifest,
        MEDIA_TYPES.dockerManifest,
      ]);
    } catch {
      manifest = undefined; // no registry to ask: a local image of that name may still do
    }
    if (manifest === undefined) {
      const local = await builder.inspect(ref);
      if (local !== undefined && samePlatform(local, platform)) return { ref, identity: identity(local) };
      throw new RuntimeError(
        'E_BASE_IMAGE',
        `The base image ${ref} for ${wanted} is neither in its registry nor local.`,
        {
          hint: 'Publish it (node scripts/build-images.mjs builds and pushes e’s base image), or pass --base REF.',
        },
      );
    }
    const repo = repository(ref);
    const entries = (manifest.json.manifests ?? []) as { digest?: string; platform?: Platform }[];
    if (entries.length > 0) {
      const match = entries.find((m) => m.platform !== undefined && samePlatform(m.platform, platform));
      if (match?.digest === undefined) {
        const offered = entries.map((m) => (m.platform ? formatPlatform(m.platform) : '?')).join(', ');
        throw new RuntimeError('E_BASE_IMAGE', `The base image ${ref} has no ${wanted} image (it has ${offered}).`);
      }
      pinned = `${repo}@${match.digest}`;
    } else pinned = `${repo}@${manifest.digest}`;
  }
  let local = await builder.inspect(pinned);
  if (local === undefined) {
    await builder.pull(pinned, platform);
    local = await builder.inspect(pinned);
  }
  return { ref: pinned, identity: identity(checkArchitecture(pinned, platform, local)) };
}

function identity(image: LocalImage): string {
  return image.labels[CONTENT_HASH_LABEL] ?? image.id;
}

function checkArchitecture(ref: string, platform: Platform, image: LocalImage | undefined): LocalImage {
  if (image === undefined)
    throw new RuntimeError('E_BUILD_FAILED', `${ref} is not in the local engine after its build or pull.`);
  if (!samePlatform(image, platform)) {
    throw new RuntimeError(
      'E_BUILD_ARCHITECTURE',
      `${ref} was meant for ${formatPlatform(platform)}, but its config says ${image.os}/${image.architecture}.`,
      {
        hint: 'A FROM line that names one platform’s image builds that platform whatever --platform says: use ARG BASE.',
      },
    );
  }
  return image;
}

/** `sha256` over the parts, each followed by a NUL, shortened to 16 hex digits. */
export function contentHash(parts: readonly (string | Uint8Array)[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part).update('\0');
  return hash.digest('hex').slice(0, 16);
}

/** Writes the context into a fresh temporary directory: exactly these files, nothing filtered later. */
async function materialize(context: ReadonlyMap<string, ContextEntry>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'e-build-'));
  try {
    for (const [path, entry] of context) {
      const target = join(dir, path);
      await mkdir(dirname(target), { recursive: true });
      if ('data' in entry) await writeFile(target, entry.data);
      else if ('file' in entry) await copyFile(entry.file, target);
      else await symlink(entry.link, target);
    }
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return dir;
}

/** Every file (and symlink) below `dir`, relative and sorted; what `ignore` excludes is left out. */
async function listFiles(dir: string, ignore?: DockerIgnore, prefix = ''): Promise<string[]> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(join(dir, prefix), { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && prefix === '') return [];
    throw error;
  }
  const out: string[] = [];
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (ignore?.excludes(path) && !ignore.mayIncludeBelow(path)) continue;
      out.push(...(await listFiles(dir, ignore, path)));
    } else if (!ignore?.excludes(path)) out.push(path);
  }
  return out;
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
