import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { StateError } from '../errors.js';
import { stateDiff } from './state-diff.js';
import { statePaths } from './state-paths.js';

/**
 * How a recorded change ended. `refused`: the module broke the rules of what it may write, so
 * nothing it wrote was merged; `interrupted`: e stopped the run (Ctrl-C, or e died and a later
 * command cleaned up) before it ended, so nothing was merged; `drift`: an audit found the real world
 * changed by hand (exit 3); `restored`: older entries' `refused`.
 */
export type HistoryOutcome =
  | 'succeeded'
  | 'failed'
  | 'timed-out'
  | 'interrupted'
  | 'refused'
  | 'drift'
  | 'restored'
  | 'rolled-back';

/** One record in `<shared>/.e/history/`: a module run or a rollback. */
export interface HistoryEntry {
  /** 1, 2, 3, ...: revision N of the state is the state after entry N. */
  seq: number;
  kind: 'run' | 'rollback';
  /** ISO time the run started. */
  time: string;
  module?: string;
  version?: string;
  digest?: string;
  platform?: string;
  /** The module command (`apply`), or `rollback 3`. */
  command: string;
  args?: string[];
  /** Null when the container never exited normally (timeout, interrupted). */
  exitCode: number | null;
  durationMs: number;
  outcome: HistoryOutcome;
  /** Why the outcome is what it is, in one or a few sentences (e.g. the rules a module broke). */
  message?: string;
  /** Top-level sections that differ between `before` and `after`. */
  changedSections: string[];
  /** Unified diff of state.yml from `before` to `attempted` if set, else to `after` ('' when unchanged). */
  diff: string;
  /** Exact text of state.yml before and after; null when there was no file. */
  before: string | null;
  after: string | null;
  /** When the run was `restored`: the state.yml text the module left (null: it deleted the file). */
  attempted?: string | null;
  /** For a rollback: the revision returned to. */
  rollbackTo?: number;
  /** e's own pid and the e command line that made this record. */
  by?: { pid: number; command: string };
}

export type NewHistoryEntry = Omit<HistoryEntry, 'seq' | 'diff'>;

/** Appends one record and returns it with its sequence number and diff. The caller holds the lock. */
export async function appendHistory(shared: string, entry: NewHistoryEntry): Promise<HistoryEntry> {
  const dir = statePaths(shared).history;
  await mkdir(dir, { recursive: true }).catch((error: Error) => {
    throw new StateError('E_HISTORY_WRITE', `Cannot create ${dir}: ${error.message}.`, { cause: error });
  });
  const files = await historyFiles(dir);
  const seq = (files.at(-1)?.seq ?? 0) + 1;
  const record: HistoryEntry = {
    seq,
    ...entry,
    diff: stateDiff(
      entry.before ?? undefined,
      (entry.attempted !== undefined ? entry.attempted : entry.after) ?? undefined,
    ),
  };
  const slug = [entry.module, entry.command]
    .filter((part): part is string => Boolean(part))
    .join('-')
    .replace(/[^A-Za-z0-9.-]+/g, '-')
    .slice(0, 60);
  const file = join(dir, `${String(seq).padStart(6, '0')}-${slug}.json`);
  await writeFileAtomic(file, `${JSON.stringify(record, null, 2)}\n`).catch((error: Error) => {
    throw new StateError('E_HISTORY_WRITE', `Cannot write ${file}: ${error.message}.`, { cause: error });
  });
  return record;
}

/** Every record, oldest first. */
export async function listHistory(shared: string): Promise<HistoryEntry[]> {
  const dir = statePaths(shared).history;
  const files = await historyFiles(dir);
  return Promise.all(files.map((file) => readRecord(join(dir, file.name))));
}

/** Record number `seq`, or a StateError that lists the range that exists. */
export async function readHistoryEntry(shared: string, seq: number): Promise<HistoryEntry> {
  const dir = statePaths(shared).history;
  const files = await historyFiles(dir);
  const file = files.find((f) => f.seq === seq);
  if (file === undefined) {
    const range = files.length === 0 ? 'the history is empty' : `entries are 1 to ${files.at(-1)?.seq}`;
    throw new StateError('E_HISTORY_NOT_FOUND', `There is no history entry ${seq}: ${range}.`, {
      hint: 'See e state history.',
    });
  }
  return readRecord(join(dir, file.name));
}

async function historyFiles(dir: string): Promise<{ seq: number; name: string }[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new StateError('E_HISTORY_READ', `Cannot read ${dir}: ${(error as Error).message}.`);
  }
  return names
    .map((name) => ({ name, match: /^(\d+)-.*\.json$/.exec(name) }))
    .filter((f): f is { name: string; match: RegExpExecArray } => f.match !== null)
    .map((f) => ({ seq: Number(f.match[1]), name: f.name }))
    .sort((a, b) => a.seq - b.seq);
}

async function readRecord(path: string): Promise<HistoryEntry> {
  try {
    const record = JSON.parse(await readFile(path, 'utf8')) as HistoryEntry;
    if (typeof record.seq !== 'number' || typeof record.command !== 'string') throw new Error('not a history record');
    return record;
  } catch (error) {
    throw new StateError(
      'E_HISTORY_INVALID',
      `The history record ${path} is unreadable: ${(error as Error).message}.`,
      {
        hint: 'Move that file out of the history directory if it was edited by hand.',
      },
    );
  }
}
