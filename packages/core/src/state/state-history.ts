import { mkdir, readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { StateError } from '../errors.js';
import { stateDiff } from './state-diff.js';
import { statePaths } from './state-paths.js';
import { writeFileAtomic } from './write-atomic.js';

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
  /** Exact text of state.yml before and after; null when there was no file; absent once pruned. */
  before?: string | null;
  after?: string | null;
  /** When the run was `restored`: the state.yml text the module left (null: it deleted the file). */
  attempted?: string | null;
  /** Set once the entry is older than the history limit: `before`, `after` and `attempted` were dropped. */
  pruned?: true;
  /** For a rollback: the revision returned to. */
  rollbackTo?: number;
  /** e's own pid and the e command line that made this record. */
  by?: { pid: number; command: string };
}

export type NewHistoryEntry = Omit<HistoryEntry, 'seq' | 'diff' | 'before' | 'after' | 'pruned'> & {
  before: string | null;
  after: string | null;
};

/** How many of the newest entries keep their full texts, unless E_HISTORY_LIMIT or the caller says otherwise. */
export const DEFAULT_HISTORY_LIMIT = 100;

export interface AppendHistoryOptions {
  /** Keep the newest `limit` entries in full (default: E_HISTORY_LIMIT, else 100); older ones keep only their diff. */
  limit?: number;
  /** Told when older entries were pruned, and when E_HISTORY_LIMIT is not a number of entries. */
  onNotice?: (message: string) => void;
}

/** E_HISTORY_LIMIT (or `value`) as a number of entries; the default, and why, when it is not one. */
export function historyLimit(value = process.env.E_HISTORY_LIMIT): { limit: number; problem?: string } {
  const text = value?.trim() ?? '';
  if (text === '') return { limit: DEFAULT_HISTORY_LIMIT };
  if (/^\d+$/.test(text) && Number(text) >= 1) return { limit: Number(text) };
  return {
    limit: DEFAULT_HISTORY_LIMIT,
    problem: `E_HISTORY_LIMIT is "${value}", not a number of entries (1 or more), so e keeps the last ${DEFAULT_HISTORY_LIMIT} in full.`,
  };
}

/**
 * Appends one record and returns it with its sequence number and diff, then prunes the entries
 * that fell out of the limit to their diff and metadata. The caller holds the lock.
 */
export async function appendHistory(
  shared: string,
  entry: NewHistoryEntry,
  options: AppendHistoryOptions = {},
): Promise<HistoryEntry> {
  if (options.limit !== undefined && !(Number.isInteger(options.limit) && options.limit >= 1)) {
    throw new RangeError(`The history limit ${options.limit} is not a number of entries (1 or more).`);
  }
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
    .slice(0, 60)
    .replace(/\.diff$/, '-diff'); // the name of a pruned entry ends in .diff.json
  const name = `${String(seq).padStart(6, '0')}-${slug}.json`;
  const file = join(dir, name);
  await writeFileAtomic(file, `${JSON.stringify(record, null, 2)}\n`).catch((error: Error) => {
    throw new StateError('E_HISTORY_WRITE', `Cannot write ${file}: ${error.message}.`, { cause: error });
  });
  const { limit, problem } = options.limit !== undefined ? { limit: options.limit } : historyLimit();
  if (problem !== undefined) options.onNotice?.(problem);
  await pruneHistory(dir, [...files, { seq, name, pruned: false }], limit, options.onNotice);
  return record;
}

/**
 * Rewrites each full entry older than the newest `limit` as `NNNNNN-<slug>.diff.json` without its
 * texts. An entry it cannot read stays as it is (e state history reports it).
 */
async function pruneHistory(
  dir: string,
  files: HistoryFile[],
  limit: number,
  onNotice: ((message: string) => void) | undefined,
): Promise<void> {
  const newest = files.at(-1)?.seq ?? 0;
  const pruned: number[] = [];
  for (const file of files) {
    if (file.pruned || file.seq > newest - limit) continue;
    try {
      const { before: _b, after: _a, attempted: _t, ...kept } = await readRecord(join(dir, file.name));
      await writeFileAtomic(
        join(dir, file.name.replace(/\.json$/, '.diff.json')),
        `${JSON.stringify({ ...kept, pruned: true }, null, 2)}\n`,
      );
      await unlink(join(dir, file.name));
      pruned.push(file.seq);
    } catch (error) {
      onNotice?.(`History entry ${file.seq} keeps its full texts: ${(error as Error).message}`);
    }
  }
  if (pruned.length === 0) return;
  const which = pruned.length === 1 ? `entry ${pruned[0]}` : `entries ${pruned[0]} to ${pruned.at(-1)}`;
  onNotice?.(
    `History ${which} now ${pruned.length === 1 ? 'keeps' : 'keep'} only the diff: e keeps the newest ${limit} entries in full (E_HISTORY_LIMIT).`,
  );
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

interface HistoryFile {
  seq: number;
  name: string;
  /** The name says the entry keeps only its diff (`.diff.json`). */
  pruned: boolean;
}

/** The entry files, oldest first; of two files of one entry (pruning stopped half-way), the full one. */
async function historyFiles(dir: string): Promise<HistoryFile[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new StateError('E_HISTORY_READ', `Cannot read ${dir}: ${(error as Error).message}.`);
  }
  const bySeq = new Map<number, HistoryFile>();
  for (const name of names) {
    const match = /^(\d+)-.*?(\.diff)?\.json$/.exec(name);
    if (match === null) continue;
    const file = { seq: Number(match[1]), name, pruned: match[2] !== undefined };
    const other = bySeq.get(file.seq);
    if (other === undefined || (other.pruned && !file.pruned)) bySeq.set(file.seq, file);
  }
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
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
