import { mkdir, readFile, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import writeFileAtomic from 'write-file-atomic';
import { StateError } from '../errors.js';
import { RESERVED_STATE_KEY } from '../repository/model.js';
import { checkStateChange } from './check-state-change.js';
import { appendHistory, type HistoryEntry, type HistoryOutcome } from './state-history.js';
import { holderLiveness } from './state-lock.js';
import { statePaths } from './state-paths.js';
import { type LoadedState, loadState, readStateText, writeStateText } from './state-store.js';

/** What the runtime is about to run; recorded in the history. */
export interface StateRunInfo {
  module: string;
  version: string;
  /** The module command name, e.g. `apply`. */
  command: string;
  args?: readonly string[];
  digest?: string;
  platform?: string;
  /** Sections the module may change besides its own: the modules it requires or influences. */
  allowedSections?: readonly string[];
  /** The e command line (`e apply kafka`), for the history. */
  by?: string;
}

export interface StateRunEnd {
  /** The container's exit code; null when it never exited on its own (timeout, interrupt). */
  exitCode: number | null;
  /** Defaults to `succeeded` for exit code 0, else `failed`; pass `succeeded` for plan's 2 or audit's 3. */
  outcome?: Exclude<HistoryOutcome, 'restored' | 'rolled-back'>;
  /** Set or override the image digest when it was known only after the run started. */
  digest?: string;
  message?: string;
}

export interface StateRunResult {
  entry: HistoryEntry;
  /** True when the module broke a rule and state.yml was put back byte for byte. */
  restored: boolean;
  problems: string[];
  /** When restored: a StateError naming what the module did, ready to throw. */
  error?: StateError;
  /** Top-level sections the run changed and that stay changed (none when restored). */
  changedSections: string[];
  /** Unified diff of what the module did to state.yml ('' when nothing). */
  diff: string;
}

/** A module run in progress: the snapshot taken before it, and `finish` to call after it. */
export interface StateRun {
  readonly info: StateRunInfo;
  /** Exact state.yml text before the run; undefined when there was no file. */
  readonly snapshot: string | undefined;
  /** Validates what the module left, restores the snapshot if it broke a rule, records history. */
  finish(end: StateRunEnd): Promise<StateRunResult>;
  /** For a run that never started (e.g. the container could not be created): drop the snapshot, record nothing. */
  cancel(): Promise<void>;
}

interface RunMarker {
  info: StateRunInfo;
  startedAt: string;
  pid: number;
  host: string;
  before: string | null;
}

/**
 * Snapshots state.yml before a module run (the caller holds the state lock). Refuses to start when
 * the state is already invalid or the module is named like e's reserved key. The snapshot is also
 * kept in `.e/run.json` until `finish`, so a run whose e process died can be cleaned up later.
 * `loaded`: the state as the caller loaded it under the same lock, so it is not read and parsed again.
 */
export async function beginStateRun(shared: string, info: StateRunInfo, loaded?: LoadedState): Promise<StateRun> {
  if (info.module === RESERVED_STATE_KEY) {
    throw new StateError(
      'E_STATE_RESERVED',
      `A module cannot be named "${RESERVED_STATE_KEY}": that state key is e's own.`,
    );
  }
  const state = loaded ?? (await loadState(shared));
  const snapshot = state.exists ? state.text : undefined;
  const startedAt = new Date();
  const marker: RunMarker = {
    info,
    startedAt: startedAt.toISOString(),
    pid: process.pid,
    host: hostname(),
    before: snapshot ?? null,
  };
  const paths = statePaths(shared);
  await mkdir(paths.eDir, { recursive: true });
  await writeFileAtomic(paths.runMarker, `${JSON.stringify(marker)}\n`);
  let finished = false;
  return {
    info,
    snapshot,
    async finish(end) {
      if (finished) throw new Error('StateRun.finish called twice, or after cancel');
      finished = true;
      const outcome = end.outcome ?? (end.exitCode === 0 ? 'succeeded' : 'failed');
      const result = await settleRun(shared, marker, {
        outcome,
        exitCode: end.exitCode,
        durationMs: Date.now() - startedAt.getTime(),
        digest: end.digest,
        message: end.message,
      });
      return result;
    },
    async cancel() {
      if (finished) return;
      finished = true;
      await rm(paths.runMarker, { force: true });
    },
  };
}

/**
 * Cleans up after an e process that died during a module run (found by its `.e/run.json`): keeps
 * the module's changes if they obey the rules, restores the snapshot otherwise, and records the run
 * as `interrupted`. Call with the lock held; returns a one-line notice, or undefined if nothing to do.
 */
export async function recoverInterruptedRun(shared: string): Promise<string | undefined> {
  const path = statePaths(shared).runMarker;
  let marker: RunMarker;
  try {
    marker = JSON.parse(await readFile(path, 'utf8')) as RunMarker;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    await rm(path, { force: true });
    return `Removed an unreadable run marker ${path}.`;
  }
  const alive = holderLiveness(marker);
  if (alive === 'alive' && marker.pid !== process.pid) return undefined;
  const result = await settleRun(shared, marker, {
    outcome: 'interrupted',
    exitCode: null,
    durationMs: Math.max(0, Date.now() - Date.parse(marker.startedAt)),
    message: `e (pid ${marker.pid} on ${marker.host}) stopped during this run`,
  });
  const { module, command } = marker.info;
  const what = result.restored
    ? `state.yml was restored because ${result.problems.join('; ')}`
    : result.changedSections.length > 0
      ? `its changes to ${result.changedSections.join(', ')} were kept`
      : 'the state was unchanged';
  return `An earlier run of ${module} ${command} was interrupted (history entry ${result.entry.seq}); ${what}.`;
}

async function settleRun(
  shared: string,
  marker: RunMarker,
  end: { outcome: HistoryOutcome; exitCode: number | null; durationMs: number; digest?: string; message?: string },
): Promise<StateRunResult> {
  const { info } = marker;
  const before = marker.before ?? undefined;
  const after = await readStateText(shared);
  const report = checkStateChange({
    before: before ?? '',
    after,
    module: info.module,
    allowedSections: info.allowedSections,
  });
  // A run that e had to stop (timeout, Ctrl-C, e itself killed) never said it was done: whatever it
  // wrote may be half of a change, so it is rolled back even when it obeys the rules.
  const unfinished = end.outcome === 'timed-out' || end.outcome === 'interrupted';
  const brokeRules = !report.ok;
  if (report.ok && unfinished && report.changedSections.length > 0) {
    report.problems.push(
      `the run was ${end.outcome} before it finished (it had changed ${report.changedSections.join(', ')})`,
    );
  }
  const restored = report.problems.length > 0;
  if (restored) await writeStateText(shared, before);
  const messages = [end.message, restored ? `state restored: ${report.problems.join('; ')}` : undefined];
  const entry = await appendHistory(shared, {
    kind: 'run',
    time: marker.startedAt,
    module: info.module,
    version: info.version,
    digest: end.digest ?? info.digest,
    platform: info.platform,
    command: info.command,
    args: info.args ? [...info.args] : undefined,
    exitCode: end.exitCode,
    durationMs: end.durationMs,
    outcome: brokeRules ? 'restored' : end.outcome,
    message: messages.filter(Boolean).join('; ') || undefined,
    changedSections: restored ? [] : report.changedSections,
    before: before ?? null,
    after: restored ? (before ?? null) : (after ?? null),
    attempted: restored ? (after ?? null) : undefined,
    by: info.by === undefined ? undefined : { pid: marker.pid, command: info.by },
  });
  await rm(statePaths(shared).runMarker, { force: true });
  const error = brokeRules
    ? new StateError(
        'E_STATE_RULES',
        `${info.module} ${info.command} broke the state rules, so state.yml was restored as it was before the run: ${report.problems.join('; ')}.`,
        {
          hint: `A module may change only its own section${info.allowedSections?.length ? ` and ${info.allowedSections.join(', ')}` : ''}; e state history ${entry.seq} shows what it tried.`,
        },
      )
    : undefined;
  return {
    entry,
    restored,
    problems: report.problems,
    error,
    changedSections: entry.changedSections,
    diff: entry.diff,
  };
}
