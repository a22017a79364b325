import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, lstat, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { ArchiveError, isEError } from '../errors.js';
import { defaultVersion } from '../repository/find-module.js';
import type { Repository } from '../repository/model.js';
import type { ModuleRunEvents, runModuleCommand } from '../run/run-module.js';
import type { ContainerRuntime } from '../runtime/container-runtime.js';
import type { Platform } from '../runtime/platform.js';
import type { BomPackage } from './bill-of-materials.js';

/*
 * OS packages are fetched by the repository's downloader module (label `kind: downloader`), run
 * like any module: e gives it a shared directory of its own (a fresh temporary one, never the
 * site's), writes the package list to `.inputs/download.json` there, and runs its `download`
 * command. The module writes each package under its own folder, `<module>/packages/`, and lists
 * them in `<module>/packages/index.json`; the run's isolation rules (docs/runtime.md) apply as
 * for any run. e then checks every listed package against the sha256 the module reports and the
 * package list it asked for, and copies them out. Contract: docs/module-authors.md.
 */

/** What e writes to `.inputs/download.json` for the downloader. */
export interface DownloadRequest {
  format: 1;
  /** `linux/amd64`, ...: fetch each package for the architectures of these (or its own `architectures`). */
  platforms: string[];
  /** Where to fetch from (an apt-style HTTP directory for the example); undefined: the downloader's default. */
  mirror?: string;
  packages: { name: string; version: string; os: string; architectures?: string[] }[];
}

/** One package the downloader reports in `<module>/packages/index.json`. */
export interface DownloadedEntry {
  name: string;
  version: string;
  os: string;
  architecture: string;
  /** File name under `<module>/packages/`. */
  file: string;
  sha256: string;
  size: number;
}

export interface DownloadedPackage {
  package: BomPackage;
  architecture: string;
  /** The file name, e.g. `curl_7.88.1-10+deb12u8_amd64.deb`. */
  name: string;
  /** Where it is now: `<outDir>/<os>/<name>`. */
  path: string;
  sha256: string;
  size: number;
}

export interface DownloadPackagesOptions {
  runtime: ContainerRuntime;
  repository: Repository;
  packages: readonly BomPackage[];
  /** `linux/amd64`, ... */
  platforms: readonly string[];
  /** Where the verified packages are copied: `<outDir>/<os>/<file>`. */
  outDir: string;
  /** Handed to the downloader as `mirror` (default: `E_PACKAGE_MIRROR`, else none: the downloader's own). */
  mirror?: string;
  /** The platform the downloader itself runs on (default: the engine's). */
  platform?: Platform;
  timeoutMs?: number;
  signal?: AbortSignal;
  events: ModuleRunEvents;
  /** The e command line, for the run's records. */
  by: string;
}

export const DOWNLOADER_KIND = 'downloader';
export const DOWNLOAD_COMMAND = 'download';
export const DOWNLOAD_INPUT = 'download.json';

/** The repository's downloader module, or an error saying one is needed. */
export function findDownloader(repository: Repository): { module: string; version: string } {
  const found = repository.components.flatMap((component) => {
    const version = defaultVersion(component);
    return version?.labels.kind === DOWNLOADER_KIND ? [{ module: component.name, version: version.version }] : [];
  });
  if (found.length === 0) {
    throw new ArchiveError(
      'E_DOWNLOADER_MISSING',
      `The modules need OS packages, but ${repository.source} has no module labelled kind: ${DOWNLOADER_KIND} to fetch them.`,
      { hint: 'add a downloader module to the repository (docs/module-authors.md, "The downloader contract")' },
    );
  }
  return found.sort((a, b) => (a.module < b.module ? -1 : 1))[0]!;
}

/** Runs the downloader for `packages` and returns each package file, checked, under `outDir`. */
export async function downloadPackages(options: DownloadPackagesOptions): Promise<DownloadedPackage[]> {
  if (options.packages.length === 0) return [];
  const downloader = findDownloader(options.repository);
  const shared = await mkdtemp(join(tmpdir(), 'e-download-'));
  try {
    const mirror = options.mirror ?? (process.env.E_PACKAGE_MIRROR || undefined);
    const request: DownloadRequest = {
      format: 1,
      platforms: [...options.platforms],
      ...(mirror !== undefined ? { mirror } : {}),
      packages: options.packages.map((p) => ({
        name: p.name,
        version: p.version,
        os: p.os,
        ...(p.architectures ? { architectures: [...p.architectures] } : {}),
      })),
    };
    await mkdir(join(shared, '.inputs'), { recursive: true });
    await writeFile(join(shared, '.inputs', DOWNLOAD_INPUT), `${JSON.stringify(request, null, 2)}\n`);
    const failed = (why: string, cause?: unknown) =>
      new ArchiveError('E_DOWNLOADER_FAILED', `The downloader ${downloader.module} ${downloader.version} ${why}.`, {
        hint: `its output is above; the package list it was given is in ${DOWNLOAD_INPUT} (docs/module-authors.md)`,
        ...(cause === undefined ? {} : { cause }),
      });
    let result: Awaited<ReturnType<typeof runModuleCommand>>;
    // loaded here: e import and e export without packages need none of the module runner
    const run = (await import('../run/run-module.js')).runModuleCommand;
    try {
      result = await run(
        options.runtime,
        {
          repository: options.repository,
          shared,
          module: downloader.module,
          version: downloader.version,
          command: DOWNLOAD_COMMAND,
          ...(options.platform ? { platform: options.platform } : {}),
          ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
          ...(options.signal ? { signal: options.signal } : {}),
          by: options.by,
        },
        options.events,
      );
    } catch (error) {
      // a refused run (it wrote outside its folder) or one e had to stop keeps its own code
      if (isEError(error) && error.code !== 'E_MODULE_FAILED') throw error;
      throw failed(`failed: ${(error as Error).message}`, error);
    }
    if (result.exitCode !== 0) {
      throw failed(
        `failed with exit code ${result.exitCode}${result.outputTail ? `: ${lastLine(result.outputTail)}` : ''}`,
      );
    }
    const folder = join(shared, downloader.module, 'packages');
    const entries = await readIndex(join(folder, 'index.json'), (why) => failed(why));
    return await collect(entries, folder, options, (why) => failed(why));
  } finally {
    await rm(shared, { recursive: true, force: true });
  }
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return lines[lines.length - 1] ?? '';
}

async function readIndex(path: string, failed: (why: string) => ArchiveError): Promise<DownloadedEntry[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw failed('wrote no packages/index.json in its folder');
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw failed('wrote a packages/index.json that is not JSON');
  }
  const list = (data as { packages?: unknown }).packages;
  const valid = (e: unknown): e is DownloadedEntry => {
    const x = e as Record<string, unknown>;
    return (
      typeof x === 'object' &&
      x !== null &&
      ['name', 'version', 'os', 'architecture', 'file', 'sha256'].every((k) => typeof x[k] === 'string') &&
      typeof x.size === 'number' &&
      /^[a-f0-9]{64}$/.test(x.sha256 as string) &&
      /^[A-Za-z0-9_+~][A-Za-z0-9._+~:-]*$/.test(x.file as string) &&
      basename(x.file as string) === x.file
    );
  };
  if (!Array.isArray(list) || !list.every(valid)) {
    throw failed(
      'wrote a packages/index.json that does not list {name, version, os, architecture, file, sha256, size} entries with plain file names',
    );
  }
  return list;
}

async function collect(
  entries: DownloadedEntry[],
  folder: string,
  options: DownloadPackagesOptions,
  failed: (why: string) => ArchiveError,
): Promise<DownloadedPackage[]> {
  const out: DownloadedPackage[] = [];
  for (const pkg of options.packages) {
    const mine = entries.filter((e) => e.name === pkg.name && e.version === pkg.version && e.os === pkg.os);
    if (mine.length === 0) throw failed(`did not write ${pkg.name} ${pkg.version} for ${pkg.os}`);
    for (const entry of mine) {
      const source = join(folder, entry.file);
      const stat = await lstat(source).catch(() => undefined);
      if (!stat?.isFile()) throw failed(`lists ${entry.file}, which is not a file in its folder`);
      const sha256 = await sha256File(source);
      if (sha256 !== entry.sha256 || stat.size !== entry.size) {
        throw failed(
          `reports sha256 ${entry.sha256} and ${entry.size} bytes for ${entry.file}, but it has ${sha256} and ${stat.size}`,
        );
      }
      const dir = join(options.outDir, pkg.os);
      await mkdir(dir, { recursive: true });
      const path = join(dir, entry.file);
      await copyFile(source, path);
      out.push({ package: pkg, architecture: entry.architecture, name: entry.file, path, sha256, size: stat.size });
    }
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
