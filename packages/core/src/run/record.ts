import { StateError } from '../errors.js';
import { influencedInstalledModules } from '../resolve/influences.js';
import { getInstalled, type InstalledRecord, readInstalled, setInstalled } from '../state/installed-records.js';
import { stateDiff } from '../state/state-diff.js';
import { appendHistory, type HistoryEntry, type HistoryOutcome } from '../state/state-history.js';
import { type LoadedState, loadState, saveState } from '../state/state-store.js';
import { decideMerge, mergedState, mergeFiles } from './merge.js';
import { type RunMarker, removeRun } from './run-dir.js';
import type { Stage } from './stage.js';

/** How the container ended, as far as e knows. */
export type RunEnd =
  | { ended: 'exited'; exitCode: number }
  | { ended: 'timed-out' | 'interrupted' | 'not-started'; message: string };

export interface SettledRun {
  entry: HistoryEntry;
  /** True when the module broke a rule: nothing it wrote was merged. */
  refused: boolean;
  problems: string[];
  /** Top-level sections the merge changed (none when refused). */
  changedSections: string[];
  diff: string;
  /** What the module's merge changed in state.yml, without e's record updates ('' when nothing). */
  moduleDiff: string;
  /** state.yml after the merge and the record update (undefined: none). */
  stateText: string | undefined;
  /** When refused: a StateError naming each path, ready to throw. */
  error?: StateError;
}

/** The run's answer: plan's 2 (changes) and audit's 3 (drift) are answers, not failures. */
export function succeeded(command: string, exitCode: number): boolean {
  return exitCode === 0 || (command === 'plan' && exitCode === 2) || (command === 'audit' && exitCode === 3);
}

/**
 * Ends a run under the lock (and, in a batch, one merge at a time): merges what the module may
 * write from its staging copy (a run that did not end on its own merges nothing), updates e's
 * records, writes state.yml once, appends the history entry and removes the run's directory.
 */
export async function settleRun(
  shared: string,
  marker: RunMarker,
  end: RunEnd,
  options: { stage?: Stage; notice?: (message: string) => void } = {},
): Promise<SettledRun> {
  const { stage } = options;
  const startedMs = Date.parse(marker.startedAt);
  const live = await loadState(shared);
  let problems: string[] = [];
  let changedSections: string[] = [];
  let attempted: string | null | undefined;
  let state: LoadedState = live;
  if (end.ended === 'exited' && stage !== undefined) {
    const before = marker.stateBefore ?? '';
    const decision = await decideMerge(stage, before, {
      module: marker.module,
      allowedSections: marker.allowedSections,
      // the live state loaded above is the staged one in the common case: parse it once
      beforeParsed: live.text === before ? { ok: true, doc: live.doc, data: live.data } : undefined,
    });
    problems = decision.problems;
    if (problems.length > 0) {
      attempted = decision.stateAfter === decision.stateBefore ? undefined : (decision.stateAfter ?? null);
    } else {
      await mergeFiles(shared, stage, decision.files);
      state = mergedState(live, decision);
      changedSections = decision.changedSections;
    }
  }
  const refused = problems.length > 0;
  const outcome: HistoryOutcome =
    end.ended === 'exited'
      ? refused
        ? 'refused'
        : marker.command === 'audit' && end.exitCode === 3
          ? 'drift'
          : succeeded(marker.command, end.exitCode)
            ? 'succeeded'
            : 'failed'
      : end.ended === 'timed-out'
        ? 'timed-out'
        : 'interrupted';
  const recordChanged = updateRecords(state, marker, outcome, end.ended === 'exited' ? end.exitCode : null);
  const text = recordChanged || state !== live ? await saveState(state) : live.exists ? live.text : undefined;
  const message = [
    end.ended === 'exited' ? undefined : end.message,
    refused ? `refused, nothing merged: ${problems.join('; ')}` : undefined,
  ]
    .filter(Boolean)
    .join('; ');
  const entry = await appendHistory(
    shared,
    {
      kind: 'run',
      time: marker.startedAt,
      module: marker.module,
      version: marker.version,
      digest: marker.digest,
      platform: marker.platform,
      command: marker.command,
      args: marker.args,
      exitCode: end.ended === 'exited' ? end.exitCode : null,
      durationMs: Math.max(0, Date.now() - startedMs),
      outcome,
      message: message || undefined,
      changedSections,
      before: live.exists ? live.text : null,
      after: text ?? null,
      attempted,
      by: { pid: marker.pid, command: marker.by },
    },
    { onNotice: options.notice },
  );
  await removeRun(shared, marker);
  const error = refused
    ? new StateError(
        'E_STATE_RULES',
        `${marker.module} ${marker.command} was refused, so nothing it wrote was merged: ${problems.join('; ')}.`,
        {
          hint: `A module may change only its own section${marker.allowedSections.length ? ` and ${marker.allowedSections.join(', ')}` : ''}, ${marker.module}-config.yml and ${marker.module}/; e state history ${entry.seq} shows what it tried.`,
        },
      )
    : undefined;
  const moduleDiff = state === live ? '' : stateDiff(live.exists ? live.text : undefined, state.text);
  return { entry, refused, problems, changedSections, diff: entry.diff, moduleDiff, stateText: text, error };
}

const STATUSES = new Set(['initialized', 'applied', 'failed', 'destroyed']);

/**
 * e's records change only on purpose: a successful init or apply installs what ran (version,
 * digest, platform); a failed one (or one e had to stop) marks the module `failed` whatever it
 * wrote; a refused run changes nothing; any other
 * successful run of the installed version only follows the status its section reports (and a
 * plan clears "needs plan"); a successful apply flags the installed modules it influences.
 * Edits `state`'s document; returns whether anything changed.
 */
export function updateRecords(
  state: LoadedState,
  marker: RunMarker,
  outcome: HistoryOutcome,
  exitCode: number | null,
): boolean {
  const { module, command } = marker;
  const installed = readInstalled(state);
  const previous = installed[module];
  const ok = outcome === 'succeeded' || outcome === 'drift';
  const section = state.data[module];
  const reportedRaw =
    section !== null && typeof section === 'object' ? (section as { status?: unknown }).status : undefined;
  const reported = typeof reportedRaw === 'string' && STATUSES.has(reportedRaw) ? reportedRaw : undefined;
  let next: Omit<InstalledRecord, 'installedAt' | 'updatedAt'> | undefined;
  if (outcome === 'refused') return false; // the live directory stays exactly as it was
  if (outcome === 'timed-out' || outcome === 'interrupted') {
    // the real world may be half-changed: an installed module that was being changed is failed
    if ((command !== 'init' && command !== 'apply') || previous === undefined || previous.status === 'failed')
      return false;
    const { installedAt: _i, updatedAt: _u, ...base } = previous;
    setInstalled(state, module, { ...base, status: 'failed', installedAt: previous.installedAt });
    return true;
  }
  if (command === 'init' || command === 'apply') {
    const ran = {
      version: marker.version,
      digest: marker.digest,
      platform: marker.platform,
      labels: { ...marker.labels },
    };
    if (ok) {
      const status = reported ?? (command === 'apply' ? 'applied' : 'initialized');
      next = {
        ...ran,
        status,
        needsPlan: command === 'apply' ? false : (previous?.needsPlan ?? false),
        drift: command === 'apply' ? false : previous?.drift,
      };
    } else if (previous !== undefined) {
      const { installedAt: _i, updatedAt: _u, ...base } = previous;
      next = { ...base, status: 'failed' };
    } else {
      next = { ...ran, status: 'failed', needsPlan: false };
    }
  } else if (ok && previous !== undefined && previous.version === marker.version) {
    const { installedAt: _i, updatedAt: _u, ...base } = previous;
    next = {
      ...base,
      status: reported ?? previous.status,
      needsPlan: command === 'plan' && !(marker.influencedPlan && exitCode === 2) ? false : previous.needsPlan,
      drift: command === 'audit' ? outcome === 'drift' : previous.drift,
    };
  }
  let changed = false;
  if (next !== undefined && !sameRecord(previous, next)) {
    setInstalled(state, module, { ...next, installedAt: previous?.installedAt });
    changed = true;
  }
  if (command === 'apply' && ok) {
    for (const name of influencedInstalledModules({ module, moduleVersion: marker }, installed)) {
      const record = getInstalled(state, name);
      if (record === undefined || record.needsPlan) continue;
      setInstalled(state, name, { ...record, needsPlan: true });
      changed = true;
    }
  }
  return changed;
}

function sameRecord(
  previous: InstalledRecord | undefined,
  next: Omit<InstalledRecord, 'installedAt' | 'updatedAt'>,
): boolean {
  if (previous === undefined) return false;
  const { installedAt: _i, updatedAt: _u, drift: d1, ...rest } = previous;
  const { installedAt: _i2, updatedAt: _u2, drift: d2, ...plain } = next as InstalledRecord;
  return (d1 === true) === (d2 === true) && JSON.stringify(sortKeys(rest)) === JSON.stringify(sortKeys(plain));
}

function sortKeys(value: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
