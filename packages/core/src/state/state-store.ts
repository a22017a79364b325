import { closeSync, constants, fstatSync, lstatSync, openSync, readFileSync, type Stats } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Document } from 'yaml';
import { StateError } from '../errors.js';
import { type InstalledRecord, quickInstalled, readInstalled } from './installed-records.js';
import { parseStateText, renderStateText, type StateData } from './state-file.js';
import { statePaths } from './state-paths.js';
import { writeFileAtomic } from './write-atomic.js';

/** state.yml as read from disk: the exact text plus its parsed, editable document. */
export interface LoadedState {
  path: string;
  /** False when there was no state.yml (the empty state). */
  exists: boolean;
  text: string;
  doc: Document;
  data: StateData;
}

const FIX_HINT =
  'Fix the file by hand, or return to an earlier revision with e state rollback N (see e state history).';

const NOT_FILE_HINT = 'Remove it and restore a revision with e state rollback N (see e state history).';

/** What a non-regular file is, in words; undefined for a regular file. */
function fileKind(stats: Stats): string | undefined {
  if (stats.isFile()) return undefined;
  if (stats.isSymbolicLink()) return 'a symbolic link';
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

function notFileError(path: string, kind: string): StateError {
  return new StateError(
    'E_STATE_NOT_FILE',
    `${path} is ${kind}, not a regular file, so e neither reads nor writes it.`,
    { hint: NOT_FILE_HINT },
  );
}

/**
 * Refuses a state.yml that exists but is not a regular file, judging by `lstat` alone: a module
 * can leave a symlink (reading or writing through it would reach a host file) or a FIFO (opening
 * it would hang), so such a path is never opened. Returns false when there is no file.
 */
function assertRegularOrMissing(path: string): boolean {
  let stats: Stats;
  try {
    stats = lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  const kind = fileKind(stats);
  if (kind !== undefined) throw notFileError(path, kind);
  return true;
}

/**
 * Opens state.yml for reading (a file descriptor), or undefined when there is none.
 * `O_NOFOLLOW | O_NONBLOCK` and the `fstat` of the descriptor close the race with a module
 * swapping the path between `lstat` and `open`.
 */
function openStateFile(path: string): number | undefined {
  if (!assertRegularOrMissing(path)) return undefined;
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP') throw notFileError(path, 'a symbolic link');
    throw error;
  }
  try {
    const kind = fileKind(fstatSync(fd));
    if (kind !== undefined) throw notFileError(path, kind);
    return fd;
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

/**
 * The exact text of state.yml, or undefined when there is none. Never parses. Read with the
 * synchronous calls (a small file): the promise ones would load node:fs/promises and start
 * libuv's thread pool, ~5% of the start of a command that only reads (docs/runtime.md).
 */
export async function readStateText(shared: string): Promise<string | undefined> {
  const path = statePaths(shared).state;
  try {
    const fd = openStateFile(path);
    if (fd === undefined) return undefined;
    try {
      return readFileSync(fd, 'utf8');
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    if (error instanceof StateError) throw error;
    throw new StateError('E_STATE_READ', `Cannot read ${path}: ${(error as Error).message}.`, { cause: error });
  }
}

/** Loads and parses state.yml; a missing file is the empty state, anything but a mapping is an error. */
export async function loadState(shared: string): Promise<LoadedState> {
  return stateFromText(statePaths(shared).state, await readStateText(shared));
}

/** The state as loadState gives it, from the text readStateText read at `path` (undefined: no file). */
function stateFromText(path: string, raw: string | undefined): LoadedState {
  const text = raw ?? '';
  const parsed = parseStateText(text);
  if (!parsed.ok) throw new StateError('E_STATE_INVALID', `${path}:${parsed.problem}.`, { hint: FIX_HINT });
  return { path, exists: raw !== undefined, text, doc: parsed.doc, data: parsed.data };
}

/**
 * Every installed-module record of the state at `shared`, as readInstalled(await loadState(shared))
 * gives them, errors included; a plain state.yml is read without making a YAML document
 * (quickInstalled), which in a command that only shows the records is most of its reading.
 */
export async function loadInstalled(shared: string): Promise<Record<string, InstalledRecord>> {
  const raw = await readStateText(shared);
  return quickInstalled(raw ?? '') ?? readInstalled(stateFromText(statePaths(shared).state, raw));
}

/**
 * The state as it is now: `previous` itself while state.yml still holds exactly its text (no
 * second parse), else loaded again. `previous` must not have been edited since it was loaded.
 */
export async function reloadState(previous: LoadedState): Promise<LoadedState> {
  const raw = await readStateText(dirname(previous.path));
  const same = raw === undefined ? !previous.exists : previous.exists && raw === previous.text;
  return same ? previous : loadState(dirname(previous.path));
}

/**
 * Writes an edited state atomically (temporary file, fsync, rename) and returns the new text.
 * Bytes outside e's reserved section are kept as read when only that section was edited.
 * The caller must hold the state lock.
 */
export async function saveState(state: LoadedState): Promise<string> {
  const text = renderStateText(state.text, state.doc);
  await writeStateText(dirname(state.path), text);
  return text;
}

/**
 * Replaces state.yml with exactly `text` (atomically), or removes it when `text` is undefined.
 * Used to restore snapshots byte for byte. The caller must hold the state lock.
 */
export async function writeStateText(shared: string, text: string | undefined): Promise<void> {
  const path = statePaths(shared).state;
  try {
    // write-file-atomic renames over the path, which would replace a symlink rather than follow
    // it; refusing anyway reports what a module left there instead of silently papering over it.
    assertRegularOrMissing(path);
    if (text === undefined) {
      await rm(path, { force: true });
      return;
    }
    await mkdir(shared, { recursive: true });
    await writeFileAtomic(path, text, { encoding: 'utf8' });
  } catch (error) {
    if (error instanceof StateError) throw error;
    throw new StateError('E_STATE_WRITE', `Cannot write ${path}: ${(error as Error).message}.`, { cause: error });
  }
}
