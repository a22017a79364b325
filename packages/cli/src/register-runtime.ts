import { type Command, Option } from 'commander';
import type { ModuleCommandOptions } from './commands/module-command.js';
import { globalOptions } from './program.js';

const LIFECYCLE = {
  init: "write the module's config from the state",
  plan: 'show what apply would change (exit 0 no changes, 2 changes with --detailed-exitcode)',
  apply: 'apply the module: do the work and update the state',
  audit: 'check the real world against the state (exit 3 on drift)',
} as const;

type Lifecycle = keyof typeof LIFECYCLE;

/** Registers e init|plan|apply|audit and e module init|plan|apply|audit|run (module runtime). Handlers are imported lazily from commands/. */
export function registerRuntimeCommands(program: Command, module: Command): void {
  for (const parent of [program, module]) {
    for (const name of Object.keys(LIFECYCLE) as Lifecycle[]) addLifecycle(parent, name);
  }
  const run = module
    .command('run')
    .description('run any command of a module listed in the repository (e.g. backup), with extra args after --')
    .argument('<module>', 'module name, optionally with @version (kafka@0.1.0)')
    .argument('<command>', 'the repository command name')
    .argument('[args...]', 'appended to the command’s args (put them after --)');
  addRunOptions(run).action(
    async (spec: string, name: string, args: string[], options: RunOptions, command: Command) => {
      await askEngineEarly(command, options);
      const { moduleCommand } = await import('./commands/module-command.js');
      await moduleCommand({ ...globalOptions(command), ...runOptions(options), spec, command: name, extraArgs: args });
    },
  );

  program
    .command('doctor')
    .description('check the engine, emulation, registries, state backend, lock and e.yml; one line each with a fix')
    .action(async (_options: unknown, command: Command) => {
      const { doctorCommand } = await import('./commands/doctor.js');
      await doctorCommand(globalOptions(command));
    });
}

interface RunOptions {
  timeout?: string;
  lockTimeout: string;
  pull: 'missing' | 'always' | 'never';
  detailedExitcode?: boolean;
  out?: string;
  plan?: string;
  yes?: boolean;
  all?: boolean;
  parallel?: string;
  show?: string;
}

function addLifecycle(parent: Command, name: Lifecycle): void {
  const cmd = parent
    .command(name)
    .description(`${LIFECYCLE[name]}`)
    .argument(
      name === 'apply' || name === 'plan' ? '[module]' : '<module>',
      'module name, optionally with @version (kafka@0.1.0)',
    );
  if (name === 'plan') {
    cmd
      .option('--detailed-exitcode', 'exit 0 when there are no changes, 2 when there are, 1 on error (as terraform)')
      .option('--out <file>', 'save the plan, to apply exactly it later with e apply --plan FILE')
      .option('--show <file>', 'print a plan saved with --out (what it proposes), without running anything')
      .option('--all', 'plan every installed module (under one hold of the state lock)')
      .option('--parallel <n>', 'with --all: plan up to N modules at a time when they write disjoint sections', '1');
  }
  if (name === 'apply') {
    cmd
      .option('-y, --yes', 'apply without asking for confirmation')
      .option(
        '--plan <file>',
        'apply a plan saved by e plan --out; refused when the config, the state or the image changed since',
      );
  }
  addRunOptions(cmd).action(async (spec: string | undefined, options: RunOptions, command: Command) => {
    if (options.show !== undefined) {
      const { showPlanCommand } = await import('./commands/show-plan.js');
      await showPlanCommand({ ...globalOptions(command), file: options.show });
      return;
    }
    if (options.all) {
      if (spec !== undefined) {
        const { RuntimeError } = await import('@e/core/errors');
        throw new RuntimeError('E_USAGE', `e plan --all plans every installed module; drop "${spec}" or --all.`);
      }
      const { planAllCommand } = await import('./commands/plan-all.js');
      await planAllCommand({
        ...globalOptions(command),
        ...runOptions(options),
        parallel: options.parallel ?? '1',
      });
      return;
    }
    await askEngineEarly(command, options);
    const { moduleCommand } = await import('./commands/module-command.js');
    await moduleCommand({ ...globalOptions(command), ...runOptions(options), spec, command: name, extraArgs: [] });
  });
}

function addRunOptions(cmd: Command): Command {
  return cmd
    .option('--timeout <duration>', 'kill and remove the container after this long (e.g. 90s, 10m)')
    .option('--lock-timeout <duration>', 'wait this long for the state lock held by another e', '0s')
    .addOption(
      new Option('--pull <policy>', 'pull the image: missing (unless already local), always, never')
        .choices(['missing', 'always', 'never'])
        .default('missing'),
    );
}

/**
 * A module run needs the engine's platform unless --platform or --plan gives it: the engine is
 * asked now, and answers while e loads the run's code and the repository (runtime/early-info.ts).
 */
async function askEngineEarly(command: Command, options: RunOptions): Promise<void> {
  const { platform } = globalOptions(command);
  if ((platform === undefined || platform === '') && options.plan === undefined) {
    await (await import('@e/core/engine-info')).askEngineInfo();
  }
}

function runOptions(
  options: RunOptions,
): Omit<ModuleCommandOptions, keyof ReturnType<typeof globalOptions> | 'spec' | 'command' | 'extraArgs'> {
  return {
    timeout: options.timeout,
    lockTimeout: options.lockTimeout,
    pull: options.pull,
    detailedExitcode: options.detailedExitcode ?? false,
    out: options.out,
    plan: options.plan,
    yes: options.yes ?? false,
  };
}
