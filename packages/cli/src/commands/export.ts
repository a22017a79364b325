import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  ArchiveError,
  type ArchiveFile,
  type BillOfMaterials,
  billOfMaterials,
  downloadPackages,
  exportArchive,
  fetchFiles,
} from '@e/core/offline';
import { loadRepository, type Repository } from '@e/core/repository';
import { loadState, readInstalled } from '@e/core/state';
import type { GlobalOptions } from '../cli.js';
import { emit } from '../output.js';
import { formatBytes } from '../progress.js';
import type { ExportFlags } from '../register-offline.js';
import { cliPackage } from './cli-package.js';

/** The archive is written in chunks up to this big: fewer write calls than the default 16 KiB. */
const WRITE_CHUNK_BYTES = 1024 * 1024;

export interface ExportOptions extends GlobalOptions, ExportFlags {
  file: string;
  modules: string[];
}

/** e export: the bill of materials, then one archive written next to FILE and renamed into place when whole. */
export async function exportCommand(options: ExportOptions): Promise<void> {
  if (options.modules.length === 0 && !options.installed) {
    throw new ArchiveError('E_EXPORT_NOTHING', 'e export needs module names or --installed.', {
      hint: 'For example: e export site.tar kafka --with-deps, or e export site.tar --installed.',
    });
  }
  const repository = await loadRepository(options.repository);
  const repositoryText = await readFile(options.repository, 'utf8');
  const shared = resolve(options.shared);
  const installed = options.installed ? readInstalled(await loadState(shared)) : undefined;
  const platforms = options.platform
    ?.split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  // the indexes and manifests the bill of materials reads, for the export to copy without asking again
  const manifests = new Map<string, Buffer>();
  const bom = await billOfMaterials({
    manifests,
    repository,
    modules: options.modules,
    ...(installed ? { installed } : {}),
    withDeps: options.withDeps,
    ...(platforms ? { platforms } : {}),
    ...(options.prefer.length > 0 ? { prefer: options.prefer } : {}),
  });
  const state = options.withState ? await stateFiles(shared) : undefined;
  // the downloader's packages wait in a temp dir until they are in the archive
  const packagesDir = await mkdtemp(join(tmpdir(), 'e-export-packages-'));
  try {
    const packages = await requiredPackages(bom, repository, packagesDir);
    await exportTo(options, bom, manifests, repositoryText, state, packages);
  } finally {
    await rm(packagesDir, { recursive: true, force: true });
  }
}

async function exportTo(
  options: ExportOptions,
  bom: BillOfMaterials,
  manifests: ReadonlyMap<string, Buffer>,
  repositoryText: string,
  state: ArchiveFile[] | undefined,
  packages: ArchiveFile[],
): Promise<void> {
  const files = await requiredFiles(bom);
  const cli = options.withoutCli ? undefined : await cliPackage(await eVersion());

  const target = resolve(options.file);
  const partial = `${target}.partial`;
  const tty = Boolean(process.stderr.isTTY) && options.output === 'text';
  let lastDraw = 0;
  const progress: Parameters<typeof exportArchive>[1]['progress'] = (event) => {
    if (event.phase === 'image') {
      process.stderr.write(`Image ${event.reference} (${event.platforms.join(', ')})\n`);
      return;
    }
    const line = `  ${event.blobsDone}/${event.blobs} blobs, ${formatBytes(event.bytesDone)} of ${formatBytes(event.bytes)}`;
    if (tty) {
      const now = Date.now();
      if (now - lastDraw > 100 || event.bytesDone === event.bytes) {
        lastDraw = now;
        process.stderr.write(`\r\x1b[2K${line}${event.bytesDone === event.bytes ? '\n' : ''}`);
      }
    } else if (event.entry.startsWith('blobs/')) process.stderr.write(`  wrote ${event.entry} (${line.trim()})\n`);
  };
  let result: Awaited<ReturnType<typeof exportArchive>>;
  try {
    result = await exportArchive(createWriteStream(partial, { highWaterMark: WRITE_CHUNK_BYTES }), {
      bom,
      manifests,
      repositoryText,
      eVersion: await eVersion(),
      ...(cli ? { cli } : {}),
      ...(state ? { state } : {}),
      files,
      packages,
      progress,
    });
    await rename(partial, target);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
  const data = {
    file: target,
    bytes: result.bytes,
    blobs: result.blobs,
    modules: bom.modules,
    platforms: bom.platforms,
    images: result.manifest.images,
    ...(result.manifest.cli ? { cli: result.manifest.cli } : {}),
  };
  emit(options.output, data, () =>
    [
      `Wrote ${target}: ${formatBytes(result.bytes)}, ${result.blobs} blobs, ${bom.images.length} images for ${bom.platforms.join(', ')}.`,
      `Modules: ${bom.modules.map((m) => `${m.name} ${m.version}`).join(', ')}.`,
      `On the site: e import ${options.file} (into the engine) or e import ${options.file} --registry HOST:PORT.`,
    ].join('\n'),
  );
}

/** The required files, downloaded into e's cache (or found there) and checked against their sha256. */
async function requiredFiles(bom: BillOfMaterials): Promise<ArchiveFile[]> {
  if (bom.files.length === 0) return [];
  const cache = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'e', 'files');
  const fetched = await fetchFiles(bom.files, cache, {
    progress: (event) => {
      if (event.done)
        process.stderr.write(`File ${event.file.name}: ${event.cached ? 'in the cache' : 'downloaded'}\n`);
    },
  });
  return fetched.map((f) => ({ name: f.file.name, path: f.path, size: f.size, sha256: f.file.sha256 }));
}

/** The required OS packages, fetched by the repository's downloader module into a temp dir. */
async function requiredPackages(bom: BillOfMaterials, repository: Repository, outDir: string): Promise<ArchiveFile[]> {
  if (bom.packages.length === 0) return [];
  const { createDockerRuntime } = await import('@e/core/runtime');
  const downloaded = await downloadPackages({
    runtime: await createDockerRuntime(),
    repository,
    packages: bom.packages,
    platforms: bom.platforms,
    outDir,
    by: 'e export',
    events: { output: (_stream, chunk) => void process.stderr.write(chunk) },
  });
  return downloaded.map((p) => ({ name: `${p.package.os}/${p.name}`, path: p.path, size: p.size, sha256: p.sha256 }));
}

/** --with-state: the shared directory's regular top-level files (state.yml and the modules' config files). */
async function stateFiles(shared: string): Promise<ArchiveFile[]> {
  const files: ArchiveFile[] = [];
  for (const entry of await readdir(shared, { withFileTypes: true })) {
    if (!entry.isFile() || entry.name.startsWith('.')) continue;
    const path = join(shared, entry.name);
    const bytes = await readFile(path);
    files.push({ name: entry.name, bytes, size: (await stat(path)).size, sha256: sha256(bytes) });
  }
  return files;
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function eVersion(): Promise<string> {
  try {
    return (JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string })
      .version;
  } catch {
    return '0.0.0';
  }
}
