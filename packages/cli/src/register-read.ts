import type { Command } from 'commander';
import { globalOptions } from './program.js';

// The commands that only read: the full program (cli.ts) registers them through register-repo,
// register-state and register-install, where they stand in the help; the slim program of the
// read-only bundle (cli-read.ts) registers only these. One definition each, so both parse, fail
// and print alike. Handlers are imported lazily from commands/.

/** Registers e repo list|search|show. */
export function registerRepoReadCommands(repo: Command): void {
  repo
    .command('list')
    .description('list the modules of the repository, with their versions')
    .action(async (_options: unknown, command: Command) => {
      const { repoList } = await import('./commands/repo-list.js');
      await repoList(globalOptions(command));
    });

  repo
    .command('search')
    .description('list the module versions whose labels match a selector')
    .argument(
      '[selector]',
      "kubectl-style selector, e.g. 'kind in (monitoring,logging),version>=1.2.0' (none: everything)",
      '',
    )
    .option('--latest', 'only the default version of each module (latest: true, else the highest)', false)
    .action(async (selector: string, options: { latest: boolean }, command: Command) => {
      const { repoSearch } = await import('./commands/repo-search.js');
      await repoSearch({ ...globalOptions(command), ...options, selector });
    });

  repo
    .command('show')
    .description('show one module version (default: the latest) with its labels, requirements and commands')
    .argument('<module>', 'module name, optionally with @version (kafka@0.1.0)')
    .action(async (module: string, _options: unknown, command: Command) => {
      const { repoShow } = await import('./commands/repo-show.js');
      await repoShow({ ...globalOptions(command), module });
    });
}

/** Registers e status. */
export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description('installed modules: version, status, platform, digest, needs-plan, missing companions, newer versions')
    .action(async (_options: unknown, command: Command) => {
      const { statusCommand } = await import('./commands/status.js');
      await statusCommand(globalOptions(command));
    });
}

/** Registers e state show. */
export function registerStateReadCommands(state: Command): void {
  state
    .command('show [section]')
    .description('print the shared state (state.yml), or one top-level section of it')
    .action(async (section: string | undefined, _options: object, command: Command) => {
      const { stateShow } = await import('./commands/state-show.js');
      await stateShow({ ...globalOptions(command), section });
    });
}
