import { type HistoryEntry, listHistory, oldestRevision, readHistoryEntry, StateError } from '@e/core/state';
import type { GlobalOptions } from '../cli.js';
import { emit, table } from '../output.js';
import { formatDuration, renderDiff } from './state-render.js';

export interface StateHistoryOptions extends GlobalOptions {
  entry?: string;
}

/** `e state history [N]`: the list of recorded runs and rollbacks, or one entry with its diff. */
export async function stateHistory(options: StateHistoryOptions): Promise<void> {
  if (options.entry !== undefined) {
    const seq = Number(options.entry);
    if (!/^\d+$/.test(options.entry) || seq < 1) {
      throw new StateError('E_HISTORY_ENTRY_INVALID', `"${options.entry}" is not a history entry number (1, 2, ...).`);
    }
    const entry = await readHistoryEntry(options.shared, seq);
    emit(options.output, entry, () => renderEntry(entry));
    return;
  }
  const entries = await listHistory(options.shared);
  const summaries = entries.map(({ before: _b, after: _a, attempted: _t, diff: _d, ...summary }) => summary);
  emit(options.output, summaries, () => {
    if (entries.length === 0) return 'No history yet: nothing has changed the state through e.';
    const header = ['#', 'TIME', 'MODULE', 'VERSION', 'COMMAND', 'EXIT', 'DURATION', 'OUTCOME', 'CHANGED'];
    const pruned = entries.filter((entry) => entry.pruned).length;
    const note =
      pruned === 0
        ? ''
        : `\n\n${pruned} older ${pruned === 1 ? 'entry keeps' : 'entries keep'} only the diff (E_HISTORY_LIMIT); e state rollback can return to revision ${oldestRevision(entries)} or later.`;
    return `${table([header, ...entries.map(row)])}${note}`;
  });
}

function row(entry: HistoryEntry): string[] {
  return [
    String(entry.seq),
    entry.time.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
    entry.module ?? '-',
    entry.version ?? '-',
    [entry.command, ...(entry.args ?? [])].join(' '),
    entry.exitCode === null ? '-' : String(entry.exitCode),
    formatDuration(entry.durationMs),
    entry.outcome,
    entry.changedSections.join(',') || '-',
  ];
}

function renderEntry(entry: HistoryEntry): string {
  const lines = [
    `entry     ${entry.seq} (${entry.kind})`,
    `time      ${entry.time}`,
    ...(entry.module ? [`module    ${entry.module} ${entry.version ?? ''}`.trimEnd()] : []),
    ...(entry.digest ? [`digest    ${entry.digest}`] : []),
    ...(entry.platform ? [`platform  ${entry.platform}`] : []),
    `command   ${[entry.command, ...(entry.args ?? [])].join(' ')}`,
    `exit      ${entry.exitCode ?? '-'}`,
    `duration  ${formatDuration(entry.durationMs)}`,
    `outcome   ${entry.outcome}`,
    ...(entry.message ? [`message   ${entry.message}`] : []),
    ...(entry.by ? [`by        ${entry.by.command} (pid ${entry.by.pid})`] : []),
    `changed   ${entry.changedSections.join(', ') || '-'}`,
  ];
  if (entry.pruned) {
    lines.push('texts     pruned (older than E_HISTORY_LIMIT): only the diff below is kept');
  }
  const what = entry.outcome === 'restored' ? 'what the module tried (state.yml was restored)' : 'state.yml';
  const diff = entry.diff === '' ? 'state.yml unchanged' : `${what}:\n${renderDiff(entry.diff)}`;
  return `${lines.join('\n')}\n\n${diff}`;
}
