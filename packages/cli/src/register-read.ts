import type { Command } from 'commander';
import { type CommandLike, globalOptions } from './command-line.js';

// The commands that only read: the full program (cli.ts) registers them through register-repo,
// register-state and register-install, where they stand in the help; the read-only bundle
// (main-read.ts) runs them from a command line it parsed without commander. One action each, so
// both fail and print alike. Handlers are imported lazily from commands/.

/** What each read command does, given its command and its argument (commander's or main-read.ts's). */
export const readActions = {
  async 'repo list'(command: CommandLike): Promise<void> {
    const { repoList } = await import('./commands/repo-list.js');
    await repoList(globalOptions(command));
  },
  async 'repo search'(command: CommandLike, selector: string): Promise<void> {
    const { repoSearch } = await import('./commands/repo-search.js');
    await repoSearch({ ...globalOptions(command), ...(command.opts() as { latest: boolean }), selector });
  },
  async 'repo show'(command: CommandLike, module: string): Promise<void> {
    const { repoShow } = await import('./commands/repo-show.js');
    await repoShow({ ...globalOptions(command), module });
  },
  async status(command: CommandLike): Promise<void> {
    const { statusCommand } = await import('./commands/status.js');
    await statusCommand(globalOptions(command));
  },
  async 'state show'(command: CommandLike, section: string | undefined): Promise<void> {
    const { stateShow } = await import('./commands/state-show.js');
    await stateShow({ ...globalOptions(command), section });
  },
};

/** Registers e repo list|search|show. */
export function registerRepoReadCommands(repo: Command): void {
  repo
    .command('list')
    .description('list the modules of the repository, with their versions')
    .action((_options: unknown, command: Command) => readActions['repo list'](command));

  repo
    .command('search')
    .description('list the module versions whose labels match a selector')
    .argument(
      '[selector]',
      "kubectl-style selector, e.g. 'kind in (monitoring,logging),version>=1.2.0' (none: everything)",
      '',
    )
    .option('--latest', 'only the default version of each module (latest: true, else the highest)', false)
    .action((selector: string, _options: unknown, command: Command) => readActions['repo search'](command, selector));

  repo
    .command('show')
    .description('show one module version (default: the latest) with its labels, requirements and commands')
    .argument('<module>', 'module name, optionally with @version (kafka@0.1.0)')
    .action((module: string, _options: unknown, command: Command) => readActions['repo show'](command, module));
}

/** Registers e status. */
export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description('installed modules: version, status, platform, digest, needs-plan, missing companions, newer versions')
    .action((_options: unknown, command: Command) => readActions.status(command));
}

/** Registers e state show. */
export function registerStateReadCommands(state: Command): void {
  state
    .command('show [section]')
    .description('print the shared state (state.yml), or one top-level section of it')
    .action((section: string | undefined, _options: object, command: Command) =>
      readActions['state show'](command, section),
    );
}
