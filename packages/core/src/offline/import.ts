import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type Dockerode from 'dockerode';
import { isScalar, parseDocument, visit } from 'yaml';
import { ArchiveError } from '../errors.js';
import { parseRegistryRef } from '../runtime/registry-client.js';
import { E_REPOSITORY } from './archive-format.js';
import type { VerifiedArchive, VerifiedImage, VerifiedPlatform } from './archive-reader.js';
import { readVerified } from './archive-reader.js';
import {
  hasBlob,
  isLoopback,
  mountBlob,
  pushBlob,
  putManifestBytes,
  registryAnswers,
  registryEndpoint,
} from './archive-registry.js';
import { ArchiveWriter } from './archive-writer.js';
import { blobPath, type DockerLoadEntry, splitReference } from './oci-layout.js';

export type ImportProgress =
  | { phase: 'blob'; name: string; action: 'pushed' | 'mounted' | 'present' | 'loaded'; done: number; total: number }
  | { phase: 'manifest'; reference: string }
  | { phase: 'file'; name: string };

export interface RegistryImportResult {
  registry: string;
  /** Original reference → the one in the registry imported into. */
  references: Record<string, string>;
  pushed: number;
  mounted: number;
  present: number;
  /** The repository file, rewritten to name the registry imported into. */
  repositoryText: string;
}

/** `localhost:5000/modules/kafka:0.1.0` → `HOST:PORT/modules/kafka:0.1.0` (a digest kept as is). */
export function rehost(reference: string, host: string): string {
  const { host: from } = parseRegistryRef(reference);
  return reference.startsWith(`${from}/`) ? `${host}/${reference.slice(from.length + 1)}` : `${host}/${reference}`;
}

/**
 * Pushes every image of a verified archive to the registry at `host` (HOST:PORT): each blob once
 * per repository (later repositories mount it), then child manifests by digest and the top
 * manifest or index under its tag, byte for byte, so every digest stays the same.
 */
export async function importToRegistry(
  archive: VerifiedArchive,
  options: { registry: string; insecure?: (host: string) => boolean; progress?: (event: ImportProgress) => void },
): Promise<RegistryImportResult> {
  const endpoint = registryEndpoint(options.registry, options.insecure ?? isLoopback);
  await registryAnswers(endpoint);
  const repoOf = (image: VerifiedImage) => parseRegistryRef(image.reference).name;
  // every repository that needs a blob (configs and layers; manifests go through the manifest API)
  const needs = new Map<string, string[]>();
  for (const image of archive.images) {
    for (const p of image.platforms) {
      for (const d of [p.config, ...p.layers]) {
        const list = needs.get(d.digest) ?? [];
        if (!list.includes(repoOf(image))) list.push(repoOf(image));
        needs.set(d.digest, list);
      }
    }
  }
  const counts = { pushed: 0, mounted: 0, present: 0 };
  let done = 0;
  const report = (name: string, action: 'pushed' | 'mounted' | 'present') => {
    counts[action] += 1;
    options.progress?.({ phase: 'blob', name, action, done: ++done, total: needs.size });
  };
  const digestOf = (name: string) => name.slice('blobs/'.length).replace('/', ':');
  await readVerified(
    archive,
    (name) => name.startsWith('blobs/') && needs.has(digestOf(name)),
    async (name, stream, record) => {
      const digest = digestOf(name);
      const [first, ...others] = needs.get(digest) as string[];
      if (await hasBlob(endpoint, first as string, digest)) {
        stream.resume();
        report(name, 'present');
      } else {
        await pushBlob(endpoint, first as string, digest, record.size, stream);
        report(name, 'pushed');
      }
      for (const repo of others) {
        if (await hasBlob(endpoint, repo, digest)) continue;
        if (!(await mountBlob(endpoint, repo, digest, first as string))) {
          throw new ArchiveError(
            'E_REGISTRY_HTTP',
            `The registry ${options.registry} would not link ${digest} into ${repo}.`,
          );
        }
      }
    },
  );
  const references: Record<string, string> = {};
  for (const image of archive.images) {
    const repo = repoOf(image);
    for (const manifest of image.manifests) {
      const bytes = archive.small.get(blobPath(manifest.digest)) as Buffer;
      const { tag } = splitReference(image.reference);
      const isTop = manifest.digest === image.top.digest;
      await putManifestBytes(endpoint, repo, isTop && tag ? tag : manifest.digest, manifest.mediaType, bytes);
    }
    references[image.reference] = rehost(image.reference, options.registry);
    options.progress?.({ phase: 'manifest', reference: references[image.reference] as string });
  }
  const repositoryText = rewriteImages(repositoryOf(archive), (ref) => references[ref]);
  return { registry: options.registry, references, ...counts, repositoryText };
}

export interface EngineImportResult {
  platform: string;
  /**
   * The tags now in the engine, each with the image and platform manifest it holds: `loaded` from
   * the archive, or `present` (the engine had the image; only the tags were set).
   */
  loaded: { reference: string; tag: string; tags: string[]; digest: string; action: 'loaded' | 'present' }[];
  /** Images without a manifest for the engine's platform. */
  skipped: string[];
  /** The repository file naming the loaded tags (digests dropped: the engine does not keep them). */
  repositoryText: string;
}

/** The tag an image of the archive gets in the engine: its reference without a digest. */
export function engineTag(reference: string): string {
  const { name, tag } = splitReference(reference);
  return `${name}:${tag ?? 'latest'}`;
}

/**
 * More tags per loaded image, naming the platform manifest's digest and the image's (index)
 * digest (`repo:sha256-<hex>`): the classic store keeps no digests for loaded images, and this is
 * how e's records and digest references (`repo@sha256:…`) still find them (ensure-image.ts).
 */
export function digestTag(reference: string, digest: string): string {
  return `${splitReference(reference).name}:${digest.replace(':', '-')}`;
}

/**
 * Loads the images of the engine's platform into the engine: a docker-load tar made on the fly
 * from the verified blobs (config and layers of each image's manifest for `platform`), with
 * manifest.json naming each image by its tag. Nothing is written to disk; `load` receives the tar.
 * An image the engine already has (its config digest is the engine's image ID: archive.present)
 * is only tagged with `tag`, as a registry push skips the blobs a registry has: loading it again
 * would send its layers for the engine to drop.
 */
export async function importToEngine(
  archive: VerifiedArchive,
  options: {
    platform: string;
    load: (tar: Readable) => Promise<void>;
    /** Tags the engine's image `id` (a config digest) as `repoTag` (`repo:tag`). */
    tag: (id: string, repoTag: string) => Promise<void>;
    /** Which of these config digests the engine has now (for images verifyArchive did not ask about). */
    present?: (configs: string[]) => Promise<ReadonlySet<string>>;
    progress?: (event: ImportProgress) => void;
  },
): Promise<EngineImportResult> {
  const chosen: { image: VerifiedImage; platform: VerifiedPlatform }[] = [];
  const skipped: string[] = [];
  for (const image of archive.images) {
    const platform = image.platforms.find((p) => p.platform === options.platform);
    if (platform) chosen.push({ image, platform });
    else skipped.push(image.reference);
  }
  const tagsOf = ({ image, platform }: (typeof chosen)[number]) => [
    ...new Set([
      engineTag(image.reference),
      digestTag(image.reference, platform.manifest.digest),
      digestTag(image.reference, image.top.digest),
    ]),
  ];
  // images verifyArchive was told the engine has must be tagged (their layers were not unpacked);
  // of the others, those the engine has now are tagged too
  const unasked = [...new Set(chosen.map((c) => c.platform.config.digest))].filter((d) => !archive.present.has(d));
  const now = options.present !== undefined && unasked.length > 0 ? await options.present(unasked) : new Set<string>();
  const isPresent = (c: (typeof chosen)[number]) =>
    archive.present.has(c.platform.config.digest) || now.has(c.platform.config.digest);
  const loaded = chosen.map((c) => ({
    reference: c.image.reference,
    tag: engineTag(c.image.reference),
    tags: tagsOf(c),
    digest: c.platform.manifest.digest,
    action: isPresent(c) ? ('present' as const) : ('loaded' as const),
  }));
  const tags = Object.fromEntries(loaded.map((l) => [l.reference, l.tag]));
  const toLoad = chosen.filter((c) => !isPresent(c));
  if (toLoad.length > 0)
    await loadImages(
      archive,
      toLoad.map((c) => ({
        Config: blobPath(c.platform.config.digest),
        RepoTags: tagsOf(c),
        Layers: c.platform.layers.map((l) => blobPath(l.digest)),
      })),
      options,
    );
  await Promise.all(
    chosen.filter(isPresent).flatMap((c) => tagsOf(c).map((repoTag) => options.tag(c.platform.config.digest, repoTag))),
  );
  return {
    platform: options.platform,
    loaded,
    skipped,
    repositoryText: rewriteImages(repositoryOf(archive), (ref) => tags[ref]),
  };
}

/** The docker-load tar of `entries`, made from the verified blobs as they are read again, into `load`. */
async function loadImages(
  archive: VerifiedArchive,
  entries: DockerLoadEntry[],
  options: { load: (tar: Readable) => Promise<void>; progress?: (event: ImportProgress) => void },
): Promise<void> {
  const needed = new Set(entries.flatMap((e) => [e.Config, ...e.Layers]));
  const writer = new ArchiveWriter();
  const loading = options.load(writer.readable);
  // the engine refusing early must stop the writing (nothing else reads the tar then)
  loading.catch((error: Error) => writer.destroy(error));
  let done = 0;
  try {
    await writer.addBuffer('manifest.json', JSON.stringify(entries));
    await readVerified(
      archive,
      (name) => needed.has(name),
      async (name, stream, record) => {
        await writer.addStream(name, record.size, stream);
        options.progress?.({ phase: 'blob', name, action: 'loaded', done: ++done, total: needed.size });
      },
    );
    await writer.finish();
  } catch (error) {
    writer.destroy(error as Error);
    await loading.catch(() => {});
    throw error;
  }
  await loading;
}

function repositoryOf(archive: VerifiedArchive): string {
  return (archive.small.get(E_REPOSITORY) ?? Buffer.from('')).toString('utf8');
}

/** The repository text with every scalar that is an image reference of the archive replaced (comments kept). */
export function rewriteImages(text: string, replace: (reference: string) => string | undefined): string {
  const doc = parseDocument(text);
  visit(doc, {
    Scalar(_key, node) {
      if (isScalar(node) && typeof node.value === 'string') {
        const next = replace(node.value);
        if (next !== undefined) node.value = next;
      }
    },
  });
  return doc.toString();
}

/**
 * Writes the archive's e/cli, e/files, e/packages and e/state entries under `dir`
 * (`dir/files/NAME`, ...): each to a temporary name first, renamed only once its sha256 matched.
 */
export async function writeArchiveFiles(
  archive: VerifiedArchive,
  dir: string,
  progress?: (event: ImportProgress) => void,
): Promise<string[]> {
  const written: string[] = [];
  const wanted = (name: string) => /^e\/(cli|files|packages|state)\//.test(name);
  await readVerified(archive, wanted, async (name, stream) => {
    const target = join(dir, name.slice(2));
    await mkdir(dirname(target), { recursive: true });
    const partial = `${target}.partial`;
    try {
      await pipeline(stream, createWriteStream(partial, { mode: 0o644 }));
      await rename(partial, target);
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
    written.push(target);
    progress?.({ phase: 'file', name: target });
  });
  return written;
}

/**
 * The local engine's platform (`linux/amd64`), what an import into it loads: with the engine
 * client only, not the whole runtime (the module runner, the builder), which e import does not use.
 */
export async function localEnginePlatform(): Promise<string> {
  const { createDockerRuntime } = await import('../runtime/dockerode-runtime.js');
  const { formatPlatform } = await import('../runtime/platform.js');
  return formatPlatform(await (await createDockerRuntime()).enginePlatform());
}

let client: Promise<Dockerode> | undefined;

/** The engine's client (dockerode), one per process: its requests share the agent's connections. */
function engineClient(): Promise<Dockerode> {
  client ??= (async () => {
    const { loadDockerode } = await import('../runtime/dockerode-runtime.js');
    const { engineOptions } = await import('../runtime/ssh-dial.js');
    const Docker = loadDockerode();
    return new Docker(engineOptions());
  })();
  return client;
}

/**
 * `present` for verifyArchive: which of `configs` the engine has as image IDs (the classic store
 * names an image by its config's digest). An engine that answers otherwise for one (another image
 * store) has it loaded again, which is always safe.
 */
export async function enginePresentImages(configs: string[]): Promise<ReadonlySet<string>> {
  const docker = await engineClient();
  const found = await Promise.all(
    configs.map((id) =>
      docker
        .getImage(id)
        .inspect()
        .then(
          (image) => (image.Id === id ? id : undefined),
          () => undefined,
        ),
    ),
  );
  return new Set(found.filter((id): id is string => id !== undefined));
}

/** `tag` for importToEngine: POST /images/{id}/tag of the local engine. */
export async function dockerTag(id: string, repoTag: string): Promise<void> {
  const { describeEndpoint, engineError } = await import('../runtime/engine-error.js');
  const docker = await engineClient();
  const at = repoTag.lastIndexOf(':');
  try {
    await docker.getImage(id).tag({ repo: repoTag.slice(0, at), tag: repoTag.slice(at + 1) });
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404)
      throw new ArchiveError(
        'E_ENGINE',
        `The engine no longer has the image ${id} it had a moment ago, so ${repoTag} was not set.`,
        {
          hint: 'Run e import again: it loads what the engine lacks.',
        },
      );
    throw engineError(error, describeEndpoint(), 'tagging the images');
  }
}

/** `load` for importToEngine: POST /images/load of the local engine (dockerode), failing on errors inside its answer. */
export async function dockerLoad(tarStream: Readable): Promise<void> {
  const { describeEndpoint, engineError } = await import('../runtime/engine-error.js');
  const docker = await engineClient();
  let answer: NodeJS.ReadableStream;
  try {
    answer = (await docker.loadImage(tarStream as unknown as NodeJS.ReadableStream, {
      quiet: true,
    })) as NodeJS.ReadableStream;
  } catch (error) {
    throw engineError(error, describeEndpoint(), 'loading the images');
  }
  let text = '';
  for await (const chunk of answer as AsyncIterable<Buffer>) text += chunk.toString('utf8');
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let event: { error?: string; errorDetail?: { message?: string } };
    try {
      event = JSON.parse(line);
    } catch {
      continue;
    }
    const message = event.errorDetail?.message ?? event.error;
    if (message) throw new ArchiveError('E_ENGINE', `The engine could not load the images: ${message}`);
  }
}
