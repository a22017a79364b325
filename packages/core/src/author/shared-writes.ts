import { createHash } from 'node:crypto';
import type { Stats } from 'node:fs';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ownsPath } from '../run/merge.js';

/** One entry of a shared directory as the ownership check sees it (a symlink is never followed). */
export type SharedEntry =
  | { kind: 'file'; digest: string }
  | { kind: 'dir' }
  | { kind: 'symlink'; target: string }
  | { kind: 'other' };

/** Every entry of a shared directory by relative path (`/`-separated). */
export type SharedSnapshot = ReadonlyMap<string, SharedEntry>;

/** state.yml is judged by its sections (checkStateChange), not as a file. */
const STATE_FILE = 'state.yml';
const MAX_PROBLEMS = 5;

/** Reads every entry under `dir`; file contents are compared by digest. */
export async function snapshotShared(dir: string): Promise<SharedSnapshot> {
  const entries = new Map<string, SharedEntry>();
  const walk = async (rel: string): Promise<void> => {
    for (const name of await readdir(join(dir, rel))) {
      const path = rel === '' ? name : `${rel}/${name}`;
      const full = join(dir, path);
      const stats = await lstat(full);
      if (stats.isSymbolicLink()) entries.set(path, { kind: 'symlink', target: await readlink(full) });
      else if (stats.isFile()) entries.set(path, { kind: 'file', digest: await digestOf(full, stats) });
      else if (stats.isDirectory()) {
        entries.set(path, { kind: 'dir' });
        await walk(path);
      } else entries.set(path, { kind: 'other' });
    }
  };
  await walk('');
  return entries;
}

/** The content's digest; a file the container left unreadable to us is known by size and time. */
async function digestOf(path: string, stats: Stats): Promise<string> {
  try {
    return createHash('sha256')
      .update(await readFile(path))
      .digest('hex');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EACCES') throw error;
    return `unreadable:${stats.size}:${stats.mtimeMs}:${stats.ino}`;
  }
}

export interface SharedWritesInput {
  module: string;
  before: SharedSnapshot;
  after: SharedSnapshot;
}

export interface SharedWritesReport {
  /** One clause per path e would refuse to merge, at most five and a count of the rest. */
  problems: string[];
  /** The module's own files it added, changed or removed. */
  written: string[];
}

type Verb = 'created' | 'changed' | 'removed';

/**
 * Judges what a run left in the shared directory by the rule e merges by (`ownsPath`, shared with
 * the run's merge): besides state.yml, a module may add, change and remove only
 * `<module>-config.yml` and entries under `<module>/`, and never leave a symlink or special file
 * anywhere. A directory is named only when no entry under it is.
 */
export function checkSharedWrites(input: SharedWritesInput): SharedWritesReport {
  const { module, before, after } = input;
  const refused: { path: string; clause: string; dir: boolean }[] = [];
  const written: string[] = [];
  for (const path of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    const was = before.get(path);
    const now = after.get(path);
    const verb = changeOf(was, now);
    if (verb === undefined) continue;
    if (now?.kind === 'symlink' || now?.kind === 'other') {
      const what = now.kind === 'symlink' ? `a symlink (-> ${now.target})` : 'a special file';
      refused.push({ path, clause: `${module} created ${what} at ${path}`, dir: false });
    } else if (path === STATE_FILE) {
      if (now?.kind === 'dir') refused.push({ path, clause: `${module} made ${path} a directory`, dir: false });
    } else if (ownsPath(module, path)) {
      if ((now ?? was)?.kind !== 'dir') written.push(path);
    } else {
      const dir = (now ?? was)?.kind === 'dir';
      refused.push({ path, clause: `${module} ${verb} ${path}${dir ? '/' : ''}, which it does not own`, dir });
    }
  }
  const named = refused.filter((r) => !r.dir || !refused.some((o) => o.path.startsWith(`${r.path}/`)));
  const problems = named.slice(0, MAX_PROBLEMS).map((r) => r.clause);
  if (named.length > MAX_PROBLEMS) problems.push(`and ${named.length - MAX_PROBLEMS} more path(s) it does not own`);
  return { problems, written };
}

/** How an entry changed; a directory that stays a directory is unchanged whatever is under it. */
function changeOf(was: SharedEntry | undefined, now: SharedEntry | undefined): Verb | undefined {
  if (was === undefined) return now === undefined ? undefined : 'created';
  if (now === undefined) return 'removed';
  if (was.kind !== now.kind) return 'changed';
  if (was.kind === 'file' && now.kind === 'file') return was.digest === now.digest ? undefined : 'changed';
  if (was.kind === 'symlink' && now.kind === 'symlink') return was.target === now.target ? undefined : 'changed';
  return undefined;
}
