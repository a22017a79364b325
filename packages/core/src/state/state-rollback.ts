import { StateError } from '../errors.js';
import { changedTopLevelKeys } from './check-state-change.js';
import { stateDiff } from './state-diff.js';
import { parseStateText } from './state-file.js';
import { appendHistory, type HistoryEntry, listHistory } from './state-history.js';
import { readStateText, writeStateText } from './state-store.js';

export interface RollbackOptions {
  /** Compute and return the change without writing anything. */
  dryRun?: boolean;
  /** The e command line, for the history. */
  by?: string;
}

export interface RollbackResult {
  revision: number;
  /** False when the state already was that revision (nothing written, nothing recorded). */
  changed: boolean;
  /** Unified diff from the current state to the revision. */
  diff: string;
  changedSections: string[];
  /** The history record of this rollback (absent for a dry run or no change). */
  entry?: HistoryEntry;
}

/**
 * The state.yml text of revision `revision` (as `helm rollback`): revision N is the state after
 * history entry N; revision 0 is the state before entry 1 (empty when e started from nothing).
 * A pruned entry kept only its diff, so its revision can no longer be returned to.
 */
export function stateAtRevision(entries: readonly HistoryEntry[], revision: number): string {
  if (!Number.isInteger(revision) || revision < 0) {
    throw new StateError('E_REVISION_INVALID', `"${revision}" is not a revision: use 0 or a history entry number.`);
  }
  const last = entries.at(-1)?.seq ?? 0;
  const entry = revision === 0 ? entries[0] : entries.find((e) => e.seq === revision);
  if (entry === undefined && revision !== 0) {
    throw new StateError(
      'E_REVISION_NOT_FOUND',
      `There is no revision ${revision}: the history goes from 0 to ${last}.`,
      {
        hint: 'See e state history.',
      },
    );
  }
  if (entry?.pruned) {
    throw new StateError(
      'E_REVISION_PRUNED',
      `Revision ${revision} can no longer be restored, as history entry ${entry.seq} keeps only its diff; the oldest revision e can return to is ${oldestRevision(entries)}.`,
      {
        hint: `e state history ${entry.seq} shows what it changed; E_HISTORY_LIMIT (default 100) sets how many of the newest entries keep their full state.`,
      },
    );
  }
  return (revision === 0 ? entry?.before : entry?.after) ?? '';
}

/** The oldest revision whose state the history still holds: 0, or the first entry that was not pruned. */
export function oldestRevision(entries: readonly HistoryEntry[]): number {
  if (entries[0]?.pruned !== true) return 0;
  return entries.find((e) => !e.pruned)?.seq ?? entries.at(-1)?.seq ?? 0;
}

/**
 * `e state rollback N`: makes state.yml exactly what it was at revision N (e's records included, so
 * state and records stay consistent) and records the rollback as a new history entry. The caller
 * holds the state lock.
 */
export async function rollbackState(
  shared: string,
  revision: number,
  options: RollbackOptions = {},
): Promise<RollbackResult> {
  const entries = await listHistory(shared);
  const target = stateAtRevision(entries, revision);
  const parsed = parseStateText(target);
  if (!parsed.ok) {
    throw new StateError(
      'E_REVISION_INVALID',
      `Revision ${revision} in the history is not a valid state: ${parsed.problem}.`,
    );
  }
  const current = await readStateText(shared);
  const currentParsed = parseStateText(current ?? '');
  const changedSections = currentParsed.ok
    ? changedTopLevelKeys(currentParsed.data, parsed.data)
    : Object.keys(parsed.data);
  const diff = stateDiff(current, target);
  if (current === target || (current === undefined && target === '')) {
    return { revision, changed: false, diff: '', changedSections: [] };
  }
  if (options.dryRun) return { revision, changed: true, diff, changedSections };
  const started = Date.now();
  await writeStateText(shared, target);
  const entry = await appendHistory(shared, {
    kind: 'rollback',
    time: new Date(started).toISOString(),
    command: `rollback ${revision}`,
    exitCode: 0,
    durationMs: Date.now() - started,
    outcome: 'rolled-back',
    changedSections,
    before: current ?? null,
    after: target,
    rollbackTo: revision,
    by: options.by === undefined ? undefined : { pid: process.pid, command: options.by },
  });
  return { revision, changed: true, diff, changedSections, entry };
}
