import { mkdir, readFile, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import type { Document } from 'yaml';
import { StateError } from '../errors.js';
import { parseStateText, renderStateText, type StateData } from './state-file.js';
import { statePaths } from './state-paths.js';

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

/** The exact text of state.yml, or undefined when there is none. Never parses. */
export async function readStateText(shared: string): Promise<string | undefined> {
  const path = statePaths(shared).state;
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StateError('E_STATE_READ', `Cannot read ${path}: ${(error as Error).message}.`, { cause: error });
  }
}

/** Loads and parses state.yml; a missing file is the empty state, anything but a mapping is an error. */
export async function loadState(shared: string): Promise<LoadedState> {
  const path = statePaths(shared).state;
  const raw = await readStateText(shared);
  const text = raw ?? '';
  const parsed = parseStateText(text);
  if (!parsed.ok) throw new StateError('E_STATE_INVALID', `${path}:${parsed.problem}.`, { hint: FIX_HINT });
  return { path, exists: raw !== undefined, text, doc: parsed.doc, data: parsed.data };
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
    if (text === undefined) {
      await rm(path, { force: true });
      return;
    }
    await mkdir(shared, { recursive: true });
    await writeFileAtomic(path, text, { encoding: 'utf8' });
  } catch (error) {
    throw new StateError('E_STATE_WRITE', `Cannot write ${path}: ${(error as Error).message}.`, { cause: error });
  }
}
