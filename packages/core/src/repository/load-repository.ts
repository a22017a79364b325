import { readFileSync } from 'node:fs';
import { RepositoryError } from '../errors.js';
import { trustDeferredExtraCaCerts } from '../extra-ca-certs.js';
import type { Repository } from './model.js';
import { parseRepository } from './parse-repository.js';
import { formatProblem, type Problem } from './problem.js';
import { cacheableFile, cacheRepository, readCachedRepository } from './repository-cache.js';

/** A repository file with errors; `problems` has every one of them (and the warnings). */
export class InvalidRepositoryError extends RepositoryError {
  readonly problems: readonly Problem[];

  constructor(source: string, problems: readonly Problem[]) {
    const errors = problems.filter((p) => p.severity === 'error');
    super(
      'E_REPOSITORY_INVALID',
      `${source} is not a valid repository file (${errors.length} error${errors.length === 1 ? '' : 's'}):\n${errors
        .map((p) => formatProblem(p).replace(/^/gm, '  '))
        .join('\n')}`,
      { hint: `fix the problems above; "e repo validate ${source}" checks the file again`, details: { problems } },
    );
    this.problems = problems;
  }
}

/** How long e waits for a repository URL to send the whole file. */
export const FETCH_TIMEOUT_MS = 10_000;

function isUrl(source: string): boolean {
  // not /^https?:\/\//i: the first expression with the `i` flag a process runs costs ~0.1 ms to set up
  const scheme = source.slice(0, 8).toLowerCase();
  return scheme.startsWith('http://') || scheme.startsWith('https://');
}

export interface ReadRepositoryOptions {
  /** Give up on a URL that has not sent the whole file by then (default FETCH_TIMEOUT_MS). */
  timeoutMs?: number;
}

/**
 * The text of a repository file from a path or an http(s) URL. A file is read with the
 * synchronous call: the promise one would load node:fs/promises and start libuv's thread pool,
 * ~5% of the start of a command that only reads (docs/runtime.md).
 */
export async function readRepositorySource(source: string, options: ReadRepositoryOptions = {}): Promise<string> {
  if (isUrl(source)) return fetchRepository(source, options.timeoutMs ?? FETCH_TIMEOUT_MS);
  try {
    return readFileSync(source, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (error as Error).message;
    throw new RepositoryError('E_REPOSITORY_READ', `cannot read the repository file ${source}: ${why}`, {
      hint: 'pass the repository file with -r FILE|URL or E_REPOSITORY (default ./repository.yml)',
      cause: error,
    });
  }
}

/**
 * Reads and validates a repository file from a path or an http(s) URL. Throws RepositoryError
 * when it cannot be read, and InvalidRepositoryError (listing every problem) when it is invalid.
 */
export async function loadRepository(source: string, options: ReadRepositoryOptions = {}): Promise<Repository> {
  // a file of some size is read and checked once, while it stays the same (repository-cache.ts)
  const cacheable = isUrl(source) ? undefined : cacheableFile(source);
  const cached = cacheable && readCachedRepository(cacheable, source);
  if (cached !== undefined) return cached;
  const result = parseRepository(await readRepositorySource(source, options), source);
  if (result.value === undefined) throw new InvalidRepositoryError(source, result.problems);
  if (cacheable !== undefined) cacheRepository(cacheable, result.value);
  return result.value;
}

/** One deadline for the answer and the whole body: a server that accepts and never answers, or stalls mid-file, ends in time. */
async function fetchRepository(source: string, timeoutMs: number): Promise<string> {
  const signal = AbortSignal.timeout(timeoutMs);
  let status: number | undefined;
  try {
    // over https, or redirected there
    trustDeferredExtraCaCerts();
    const response = await fetch(source, { signal, redirect: 'follow' });
    status = response.status;
    if (response.ok) return await response.text();
  } catch (error) {
    if (signal.aborted) {
      throw new RepositoryError(
        'E_REPOSITORY_TIMEOUT',
        `${source} did not send the repository file within ${timeoutMs / 1000} seconds, so e gave up.`,
        { hint: 'check that the server answers (curl -v URL), or pass a local file with -r', cause: error },
      );
    }
    throw new RepositoryError(
      'E_REPOSITORY_FETCH',
      `cannot fetch the repository file ${source}: ${fetchCause(error)}`,
      {
        hint: 'check the URL and the network, or pass a local file with -r',
        cause: error,
      },
    );
  }
  throw new RepositoryError('E_REPOSITORY_FETCH', `cannot fetch the repository file ${source}: HTTP ${status}`, {
    hint: 'check the URL, or pass a local file with -r',
  });
}

const NETWORK_CAUSES: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'the connection was refused (nothing listens there)',
  ECONNRESET: 'the server closed the connection',
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name cannot be resolved right now',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
  UND_ERR_SOCKET: 'the server closed the connection',
};

/** Node's fetch says only "fetch failed": the reason is in its cause (`ECONNREFUSED`, a TLS error...). */
export function fetchCause(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code;
  if (code !== undefined && NETWORK_CAUSES[code] !== undefined) return `${NETWORK_CAUSES[code]} (${code})`;
  if (cause?.message) return code ? `${cause.message} (${code})` : cause.message;
  return (error as Error).message;
}
