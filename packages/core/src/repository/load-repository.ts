import { readFile } from 'node:fs/promises';
import { RepositoryError } from '../errors.js';
import type { Repository } from './model.js';
import { parseRepository } from './parse-repository.js';
import { formatProblem, type Problem } from './problem.js';

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
      { hint: `fix the problems above; "e repo validate ${source}" checks the file again` },
    );
    this.problems = problems;
  }
}

const FETCH_TIMEOUT_MS = 30_000;

function isUrl(source: string): boolean {
  return /^https?:\/\//i.test(source);
}

/** The text of a repository file from a path or an http(s) URL. */
export async function readRepositorySource(source: string): Promise<string> {
  if (isUrl(source)) {
    let response: Response;
    try {
      response = await fetch(source, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), redirect: 'follow' });
    } catch (error) {
      throw new RepositoryError(
        'E_REPOSITORY_FETCH',
        `cannot fetch the repository file ${source}: ${(error as Error).message}`,
        {
          hint: 'check the URL and the network, or pass a local file with -r',
          cause: error,
        },
      );
    }
    if (!response.ok) {
      throw new RepositoryError(
        'E_REPOSITORY_FETCH',
        `cannot fetch the repository file ${source}: HTTP ${response.status}`,
        {
          hint: 'check the URL, or pass a local file with -r',
        },
      );
    }
    return response.text();
  }
  try {
    return await readFile(source, 'utf8');
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
export async function loadRepository(source: string): Promise<Repository> {
  const result = parseRepository(await readRepositorySource(source), source);
  if (result.value === undefined) throw new InvalidRepositoryError(source, result.problems);
  return result.value;
}
