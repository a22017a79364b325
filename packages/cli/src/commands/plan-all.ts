import { loadRepository } from '@e/core/repository';
import { planAll, ResolutionError } from '@e/core/run';
import type { GlobalOptions } from '../cli.js';
import { emit } from '../output.js';
import { colorsFor } from '../progress.js';
import { createRunContext, createStepRenderer, parseParallel, type RunFlags } from './install-shared.js';

export interface PlanAllOptions extends GlobalOptions, RunFlags {
  parallel: string;
  detailedExitcode: boolean;
}

/** e plan --all: plans every installed module, independent ones at the same time with --parallel N. */
export async function planAllCommand(options: PlanAllOptions): Promise<void> {
  const parallel = parseParallel(options.parallel);
  const repository = await loadRepository(options.repository);
  const { context, dispose } = await createRunContext(options, repository);
  const renderer = await createStepRenderer([]);
  let outcomes: Awaited<ReturnType<typeof planAll>>;
  try {
    outcomes = await planAll(context, { parallel }, renderer.events);
  } finally {
    await renderer.done();
    dispose();
  }
  const failed = outcomes.filter((o) => o.exitCode === 1);
  const changed = outcomes.filter((o) => o.exitCode === 2);
  const c = colorsFor(process.stdout);
  emit(
    options.output,
    {
      modules: outcomes.map(({ module, version, exitCode, error }) => ({
        module,
        version,
        exitCode,
        error: error?.message,
      })),
    },
    () =>
      outcomes.length === 0
        ? 'Nothing is installed, so there is nothing to plan.'
        : outcomes
            .map((o) =>
              o.exitCode === 2
                ? c.yellow(`${o.module} ${o.version}: changes proposed.`)
                : o.exitCode === 0
                  ? c.green(`${o.module} ${o.version}: no changes.`)
                  : c.red(`${o.module} ${o.version}: plan failed: ${o.error?.message ?? 'unknown error'}`),
            )
            .join('\n'),
  );
  if (failed.length > 0) {
    throw new ResolutionError(
      'E_PLAN_FAILED',
      `The plan of ${failed.map((o) => o.module).join(', ')} failed; the other plans ran.`,
      { hint: 'Their output is above; e state history shows each run.' },
    );
  }
  process.exitCode = options.detailedExitcode && changed.length > 0 ? 2 : 0;
}
