import { createHash } from 'node:crypto';
import { chmod, lstat, mkdir, readdir, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import { StateError } from '../errors.js';

/**
 * The files a state backend keeps for one environment, by path relative to the shared directory
 * (always with `/`): `state.yml`, every module's own files, and `.e/history/*`. Not kept: `.inputs/`
 * (local read-only inputs), `.e/lock`, `.e/runs/` (runs in progress) and `.e/backend.json`.
 */
export type Snapshot = Map<string, SnapshotFile>;

export interface SnapshotFile {
  data: Buffer;
  /** Permission bits (0o644, 0o755, ...). */
  mode: number;
}

export const STATE_FILE = 'state.yml';
export const HISTORY_PREFIX = '.e/history/';
/** Written into a working copy: which backend and environment it mirrors. */
export const BACKEND_MARKER = '.e/backend.json';

/** Whether `path` (relative, with `/`) belongs in a snapshot. */
export function isSnapshotPath(path: string): boolean {
  if (path === '.inputs' || path.startsWith('.inputs/')) return false;
  if (path === '.e' || path.startsWith('.e/'))
    return path.startsWith(HISTORY_PREFIX) && !path.slice(HISTORY_PREFIX.length).includes('/');
  return true;
}

/** Reads the snapshot of `shared`: its regular files (symlinks and special files are left out). */
export async function readSnapshot(shared: string): Promise<Snapshot> {
  const snapshot: Snapshot = new Map();
  const walk = async (relative: string): Promise<void> => {
    const entries = await readdir(join(shared, relative), { withFileTypes: true }).catch(
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return [];
        throw error;
      },
    );
    for (const entry of entries) {
      const path = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) {
        if (path === '.inputs' || (path.startsWith('.e') && path !== '.e' && path !== '.e/history')) continue;
        await walk(path);
      } else if (entry.isFile() && isSnapshotPath(path)) {
        const full = join(shared, ...path.split('/'));
        const [data, info] = await Promise.all([readFile(full), lstat(full)]);
        snapshot.set(path, { data, mode: info.mode & 0o777 });
      }
    }
  };
  await walk('');
  return snapshot;
}

export interface SnapshotChanges {
  upserts: Map<string, SnapshotFile>;
  deletes: string[];
}

/** What turns `before` into `after`. */
export function snapshotChanges(before: Snapshot, after: Snapshot): SnapshotChanges {
  const upserts = new Map<string, SnapshotFile>();
  for (const [path, file] of after) {
    const old = before.get(path);
    if (old === undefined || old.mode !== file.mode || !old.data.equals(file.data)) upserts.set(path, file);
  }
  const deletes = [...before.keys()].filter((path) => !after.has(path));
  return { upserts, deletes };
}

/** True when a snapshot holds a state, history or module files. */
export function snapshotIsEmpty(snapshot: Snapshot): boolean {
  return snapshot.size === 0;
}

/** A short fingerprint of a snapshot, for tests and messages. */
export function snapshotDigest(snapshot: Snapshot): string {
  const hash = createHash('sha256');
  for (const path of [...snapshot.keys()].sort()) {
    const file = snapshot.get(path) as SnapshotFile;
    hash.update(`${path}\0${file.mode}\0${file.data.length}\0`).update(file.data);
  }
  return hash.digest('hex');
}

/**
 * Makes `shared` hold exactly `snapshot` (files of the snapshot written when they differ, tracked
 * files it lacks removed); `.inputs/`, `.e/lock` and `.e/runs/` are left alone. Returns what the
 * directory holds now, i.e. `snapshot`.
 */
export async function writeSnapshot(shared: string, snapshot: Snapshot): Promise<void> {
  const current = await readSnapshot(shared);
  const { upserts, deletes } = snapshotChanges(current, snapshot);
  for (const path of deletes) {
    await rm(join(shared, ...path.split('/')), { force: true });
    await removeEmptyParents(shared, path);
  }
  for (const [path, file] of upserts) {
    if (path.split('/').some((part) => part === '..' || part === '' || part.includes(sep))) {
      throw new StateError(
        'E_STATE_BACKEND',
        `The state backend holds a file with an unsafe path ${JSON.stringify(path)}.`,
      );
    }
    const full = join(shared, ...path.split('/'));
    await mkdir(dirname(full), { recursive: true });
    await writeFile(full, file.data, { mode: file.mode });
    await chmod(full, file.mode);
  }
}

async function removeEmptyParents(shared: string, path: string): Promise<void> {
  const parts = path.split('/').slice(0, -1);
  while (parts.length > 0) {
    const dir = parts.join('/');
    if (dir === '.e' || dir === '.e/history') return;
    try {
      await rmdir(join(shared, ...parts));
    } catch {
      return; // not empty
    }
    parts.pop();
  }
}
