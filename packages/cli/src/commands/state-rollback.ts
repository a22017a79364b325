import { parseDuration, rollbackState, StateError, withStateLock } from '@e/core/state';
import type { GlobalOptions } from '../cli.js';
import { emit } from '../output.js';
import { notice, renderDiff } from './state-render.js';

export interface StateRollbackOptions extends GlobalOptions {
  revision: string;
  dryRun: boolean;
  lockTimeout: string;
}

/** `e state rollback N`: state.yml becomes revision N again, under the lock, and it is recorded. */
export async function stateRollback(options: StateRollbackOptions): Promise<void> {
  if (!/^\d+$/.test(options.revision)) {
    throw new StateError(
      'E_REVISION_INVALID',
      `"${options.revision}" is not a revision: use 0 or a history entry number.`,
      {
        hint: 'See e state history.',
      },
    );
  }
  const revision = Number(options.revision);
  const command = `e state rollback ${revision}`;
  const timeoutMs = parseDuration(options.lockTimeout);
  const result = await withStateLock(options.shared, { command, timeoutMs, onNotice: notice }, () =>
    rollbackState(options.shared, revision, { dryRun: options.dryRun, by: command }),
  );
  const data = {
    revision,
    changed: result.changed,
    dryRun: options.dryRun,
    entry: result.entry?.seq,
    changedSections: result.changedSections,
    diff: result.diff,
  };
  emit(options.output, data, () => {
    if (!result.changed) return `state.yml already is revision ${revision}; nothing to do.`;
    const head = options.dryRun
      ? `Would roll state.yml back to revision ${revision} (dry run, nothing written):`
      : `Rolled state.yml back to revision ${revision} (recorded as history entry ${result.entry?.seq}):`;
    return `${head}\n${renderDiff(result.diff)}`;
  });
}
