import { type Command, Option } from 'commander';
import { globalOptions } from './program.js';
import { registerStatusCommand } from './register-read.js';

interface RunFlags {
  timeout?: string;
  lockTimeout: string;
  pull: 'missing' | 'always' | 'never';
}

/** Registers e module install|upgrade|remove, e status, e requirements, e graph (dependencies). Handlers are imported lazily from commands/. */
export function registerInstallCommands(program: Command, module: Command): void {
  const install = module
    .command('install')
    .description('resolve what a module needs, then pull, check, init, plan and apply each module in order')
    .argument('<module>', 'module name, optionally with @version or @range (kafka@0.2.0, kafka@^0.1)')
    .option('--with-deps', 'also install the modules its strong requirements need', false)
    .option('--dry-run', 'show the steps and stop', false)
    .option('-y, --yes', 'install without asking for confirmation', false)
    .option('--parallel <n>', 'run up to N independent modules at a time', '1')
    .option('--prefer <name>', 'module to choose when several could meet a requirement (repeatable)', collect, [])
    .option('--verbose', "also print each module's metadata, which e checks against the repository", false);
  addRunFlags(install).action(async (spec: string, options: InstallFlags, command: Command) => {
    const { installCommand } = await import('./commands/install-module.js');
    await installCommand({ ...globalOptions(command), ...options, spec });
  });

  const upgrade = module
    .command('upgrade')
    .description("upgrade an installed module: the new version's audit first, then init, plan and apply")
    .argument('<module>', 'installed module name')
    .argument('[version]', 'version or range to upgrade to (default: latest, else highest)')
    .option('--force', 'upgrade even when the audit finds drift (exit 3)', false)
    .option('-y, --yes', 'upgrade without asking for confirmation', false)
    .option('--verbose', "also print the module's metadata, which e checks against the repository", false);
  addRunFlags(upgrade).action(
    async (name: string, version: string | undefined, options: UpgradeFlags, command: Command) => {
      const { upgradeCommand } = await import('./commands/install-upgrade.js');
      await upgradeCommand({ ...globalOptions(command), ...options, module: name, version });
    },
  );

  const remove = module
    .command('remove')
    .description("remove an installed module: runs its destroy command if it has one, then drops e's record")
    .argument('<module>', 'installed module name')
    .option('--force', 'remove even while other installed modules strongly require it', false)
    .option('-y, --yes', 'remove without asking for confirmation', false);
  addRunFlags(remove).action(async (name: string, options: RemoveFlags, command: Command) => {
    const { removeCommand } = await import('./commands/install-remove.js');
    await removeCommand({ ...globalOptions(command), ...options, module: name });
  });

  registerStatusCommand(program);

  program
    .command('requirements')
    .description('bill of materials for a site without internet: images (digests per platform), files, OS packages')
    .argument('[modules...]', 'module names, optionally with @version (kafka@0.1.0)')
    .option('--installed', 'the modules installed in the shared directory', false)
    .option('--with-deps', 'add the modules the named ones need', false)
    .option(
      '--prefer <module>',
      'with --with-deps: the module to take when several could meet a requirement',
      collect,
      [],
    )
    .option('--platform <os/arch,...>', 'platforms to take, comma-separated (default: every platform of each image)')
    .action(async (modules: string[], options: RequirementsFlags, command: Command) => {
      const { requirementsCommand } = await import('./commands/requirements.js');
      await requirementsCommand({ ...globalOptions(command), ...options, modules });
    });

  program
    .command('graph')
    .description('dependency graph of the installed modules (strong, weak and influences edges)')
    .option('--all', 'every module of the repository, not only the installed ones', false)
    .addOption(new Option('--format <format>', 'graph language').choices(['mermaid', 'dot', 'svg']).default('mermaid'))
    .action(async (options: { all: boolean; format: 'mermaid' | 'dot' | 'svg' }, command: Command) => {
      const { graphCommand } = await import('./commands/graph.js');
      await graphCommand({ ...globalOptions(command), ...options });
    });
}

export interface InstallFlags extends RunFlags {
  withDeps: boolean;
  dryRun: boolean;
  yes: boolean;
  parallel: string;
  prefer: string[];
  verbose: boolean;
}

export interface RequirementsFlags {
  installed: boolean;
  withDeps: boolean;
  prefer: string[];
  platform?: string;
}

export interface UpgradeFlags extends RunFlags {
  force: boolean;
  yes: boolean;
  verbose: boolean;
}

export interface RemoveFlags extends RunFlags {
  force: boolean;
  yes: boolean;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, ...value.split(',').filter((v) => v !== '')];
}

function addRunFlags(cmd: Command): Command {
  return cmd
    .option('--timeout <duration>', 'kill and remove a module container after this long (e.g. 90s, 10m)')
    .option('--lock-timeout <duration>', 'wait this long for the state lock held by another e', '0s')
    .addOption(
      new Option('--pull <policy>', 'pull images: missing (unless already local), always, never')
        .choices(['missing', 'always', 'never'])
        .default('missing'),
    );
}
