import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ArchiveError } from '../errors.js';
import { trustDeferredExtraCaCerts } from '../extra-ca-certs.js';
import { fetchCause } from '../repository/load-repository.js';
import type { BomFile } from './bill-of-materials.js';

/*
 * Required files are downloaded into a cache addressed by content: `<cacheDir>/sha256/<hex>`.
 * A file is written under a temporary name while its sha256 is computed, and renamed into place
 * only when it is the one the repository states; so a file in the cache is always a verified one,
 * and a file already there is not fetched again.
 */

export interface FetchedFile {
  file: BomFile;
  /** `<cacheDir>/sha256/<hex>`. */
  path: string;
  size: number;
  /** True when it was in the cache already. */
  cached: boolean;
}

export interface FetchFileProgress {
  file: BomFile;
  /** Bytes received so far (the whole size when cached). */
  bytes: number;
  total?: number;
  done: boolean;
  cached: boolean;
}

export interface FetchFilesOptions {
  progress?: (event: FetchFileProgress) => void;
  /** Give up when no byte arrives for this long (default 30 s). */
  idleTimeoutMs?: number;
}

/** Where a file of this sha256 is (or will be) in the cache. */
export function cachedFilePath(cacheDir: string, sha256: string): string {
  return join(cacheDir, 'sha256', sha256);
}

/** Downloads each file not in the cache yet, one after the other, and checks it against its sha256. */
export async function fetchFiles(
  files: readonly BomFile[],
  cacheDir: string,
  options: FetchFilesOptions = {},
): Promise<FetchedFile[]> {
  const dir = join(cacheDir, 'sha256');
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    throw new ArchiveError(
      'E_FILE_DOWNLOAD',
      `Cannot create the download folder ${dir}: ${(error as Error).message}.`,
      {
        cause: error,
      },
    );
  }
  const out: FetchedFile[] = [];
  for (const file of files) out.push(await fetchFile(file, cacheDir, options));
  return out;
}

async function fetchFile(file: BomFile, cacheDir: string, options: FetchFilesOptions): Promise<FetchedFile> {
  const path = cachedFilePath(cacheDir, file.sha256);
  const present = await stat(path).catch(() => undefined);
  if (present?.isFile() && (file.size === undefined || present.size === file.size)) {
    options.progress?.({ file, bytes: present.size, total: present.size, done: true, cached: true });
    return { file, path, size: present.size, cached: true };
  }
  const temp = join(cacheDir, 'sha256', `.${file.sha256}.${process.pid}.${randomBytes(4).toString('hex')}.part`);
  try {
    const size = await download(file, temp, options);
    await rename(temp, path);
    return { file, path, size, cached: false };
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}

async function download(file: BomFile, temp: string, options: FetchFilesOptions): Promise<number> {
  const idle = options.idleTimeoutMs ?? 30_000;
  const controller = new AbortController();
  let timer = setTimeout(() => controller.abort(), idle);
  const alive = () => {
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(), idle);
  };
  const failed = (why: string, cause?: unknown) =>
    new ArchiveError('E_FILE_DOWNLOAD', `Cannot download ${file.name} from ${file.url}: ${why}.`, {
      hint: `${file.name} is needed by ${file.usedBy.join(', ')}; check the URL and the connection`,
      ...(cause === undefined ? {} : { cause }),
    });
  try {
    let response: Response;
    try {
      trustDeferredExtraCaCerts(); // over https, or redirected there
      response = await fetch(file.url, { signal: controller.signal, redirect: 'follow' });
    } catch (error) {
      throw failed(controller.signal.aborted ? `no answer within ${idle / 1000} s` : fetchCause(error), error);
    }
    if (!response.ok || response.body === null) throw failed(`HTTP ${response.status}`);
    const header = Number(response.headers.get('content-length') ?? Number.NaN);
    const total = file.size ?? (Number.isFinite(header) ? header : undefined);
    const hash = createHash('sha256');
    let bytes = 0;
    const count = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        alive();
        bytes += chunk.length;
        if (file.size !== undefined && bytes > file.size) {
          done(mismatch(file, `more than the ${file.size} bytes the repository states`));
          return;
        }
        hash.update(chunk);
        options.progress?.({ file, bytes, ...(total !== undefined ? { total } : {}), done: false, cached: false });
        done(null, chunk);
      },
    });
    try {
      await pipeline(
        Readable.fromWeb(response.body as import('node:stream/web').ReadableStream),
        count,
        createWriteStream(temp),
      );
    } catch (error) {
      if (error instanceof ArchiveError) throw error;
      if ((error as NodeJS.ErrnoException).syscall !== undefined && (error as NodeJS.ErrnoException).path === temp) {
        throw new ArchiveError(
          'E_FILE_DOWNLOAD',
          `Cannot write ${file.name} to ${temp}: ${(error as Error).message}.`,
          {
            cause: error,
          },
        );
      }
      throw failed(controller.signal.aborted ? `no data for ${idle / 1000} s` : fetchCause(error), error);
    }
    if (file.size !== undefined && bytes !== file.size) {
      throw mismatch(file, `${bytes} bytes, not the ${file.size} the repository states`);
    }
    const sha256 = hash.digest('hex');
    if (sha256 !== file.sha256) throw mismatch(file, `sha256 ${sha256}, not the ${file.sha256} the repository states`);
    options.progress?.({ file, bytes, total: bytes, done: true, cached: false });
    return bytes;
  } finally {
    clearTimeout(timer);
  }
}

function mismatch(file: BomFile, what: string): ArchiveError {
  return new ArchiveError('E_FILE_CHECKSUM', `${file.name} from ${file.url} has ${what}; it was not kept.`, {
    hint: 'the file at that URL is not the one the repository names: check the URL, or correct sha256 and size in the repository',
  });
}
