import { resolve } from 'node:path';
import { loadRepository } from '@e/core/repository';
import { installedVersion, ResolutionError, strongDependents } from '@e/core/resolve';
import { runCommand } from '@e/core/run';
import { formatRequirement } from '@e/core/selector';
import { loadState, readInstalled, removeInstalled, saveState, withStateLock } from '@e/core/state';
import type { GlobalOptions } from '../cli.js';
import { emit } from '../output.js';
import type { RemoveFlags } from '../register-install.js';
import { confirm, createRunContext, createStepRenderer } from './install-shared.js';

export interface RemoveOptions extends GlobalOptions, RemoveFlags {
  module: string;
}

/** e module remove: refuses while others strongly require it (unless --force); destroy if it can; drop the record. */
export async function removeCommand(options: RemoveOptions): Promise<void> {
  const { module } = options;
  const repository = await loadRepository(options.repository);
  const shared = resolve(options.shared);
  const installed = readInstalled(await loadState(shared));
  const record = installed[module];
  if (record === undefined) {
    throw new ResolutionError('E_NOT_INSTALLED', `${module} is not installed, so there is nothing to remove.`, {
      hint: 'e status lists the installed modules.',
    });
  }
  const dependents = strongDependents(repository, installed, module);
  if (dependents.length > 0 && !options.force) {
    const who = dependents
      .map((d) => `${d.module} ${d.version} (needs ${formatRequirement(d.requirement)})`)
      .join(', ');
    throw new ResolutionError(
      'E_REMOVE_REQUIRED',
      `${module} cannot be removed: ${who} strongly require${dependents.length === 1 ? 's' : ''} it.`,
      {
        hint: `Remove ${dependents.map((d) => d.module).join(', ')} first, or pass --force to remove ${module} anyway.`,
      },
    );
  }
  const mv = installedVersion(repository, module, record);
  const destroy = mv?.commands.some((c) => c.name === 'destroy') ?? false;
  await confirm(
    `Remove ${module} ${record.version}${destroy ? ' (runs its destroy command)' : ''}${dependents.length > 0 ? `, although ${dependents.map((d) => d.module).join(', ')} need it` : ''}?`,
    { yes: options.yes, action: `e module remove ${module}` },
  );
  let destroyed = false;
  if (destroy) {
    const { context, dispose } = await createRunContext(options, repository);
    const renderer = await createStepRenderer([]);
    try {
      const result = await runCommand(context, module, record.version, 'destroy', renderer.events);
      if (result.exitCode !== 0) {
        throw new ResolutionError(
          'E_DESTROY_FAILED',
          `${module} destroy failed with exit code ${result.exitCode}; its record is kept.`,
          {
            hint: `Its output is above; e state history ${result.historySeq} shows the run. Fix the cause and run e module remove ${module} again.`,
          },
        );
      }
      destroyed = true;
    } finally {
      await renderer.done();
      dispose();
    }
  } else if (mv === undefined) {
    process.stderr.write(
      `e: ${repository.source} no longer lists ${module} ${record.version}; removing only e's record.\n`,
    );
  }
  await withStateLock(shared, { command: ['e', ...process.argv.slice(2)].join(' ') }, async () => {
    const state = await loadState(shared);
    removeInstalled(state, module);
    await saveState(state);
  });
  emit(
    options.output,
    { module, version: record.version, destroyed, removed: true, forcedOver: dependents.map((d) => d.module) },
    () =>
      `Removed ${module} ${record.version}${destroyed ? ' (destroyed)' : ''}; its state section stays in state.yml.`,
  );
}
