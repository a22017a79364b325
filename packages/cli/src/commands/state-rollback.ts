import { parseDuration, rollbackState, StateError, withStateLock } from '@e/core/state';
import type { GlobalOptions } from '../cli.js';
import { emit } from '../output.js';
import { notice, renderDiff } from './state-render.js';

export interface StateRollbackOptions extends GlobalOptions {
  revision: string;
  dryRun: boolean;
  lockTimeout: string;
  yes: boolean;
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
  const rollback = (dryRun: boolean) =>
    withStateLock(options.shared, { command, timeoutMs, onNotice: notice }, () =>
      rollbackState(options.shared, revision, { dryRun, by: command }),
    );
  let result = await rollback(true);
  if (!options.dryRun && result.changed) {
    if (!options.yes) {
      if (!process.stdin.isTTY) {
        throw new StateError('E_CONFIRM_NEEDED', `${command} needs confirmation, but stdin is not a terminal.`, {
          hint: 'Pass -y (--yes) to roll back without asking; --dry-run shows what would change.',
        });
      }
      process.stderr.write(`${renderDiff(result.diff)}\n${onlyTheFile(result.changedSections)}\n`);
      const answer = await ask(`Roll state.yml back to revision ${revision}? Only "yes" or "y" proceeds: `);
      if (!/^(y|yes)$/i.test(answer.trim())) {
        throw new StateError('E_CANCELLED', 'Rollback cancelled: state.yml is unchanged.');
      }
    }
    result = await rollback(false);
  }
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
    return `${head}\n${renderDiff(result.diff)}\n${onlyTheFile(result.changedSections)}`;
  });
}

/** A rollback rewrites the file, not the world: say so, and how to see the difference. */
function onlyTheFile(changedSections: readonly string[]): string {
  const modules = changedSections.filter((s) => s !== 'e');
  const check =
    modules.length > 0
      ? ` Compare it with the real world: ${modules.map((m) => `e audit ${m}`).join(', ')}, then e plan ${modules[0]}.`
      : '';
  return `Only state.yml changes: the real infrastructure stays as the modules left it.${check}`;
}

async function ask(question: string): Promise<string> {
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await rl.question(question);
  } finally {
    rl.close();
  }
}
