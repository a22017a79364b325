import type { Command } from 'commander';
import { globalOptions } from './cli.js';

/** Registers e repo list|search|show|validate|schema (repository file and selectors). Handlers are imported lazily from commands/. */
export function registerRepoCommands(repo: Command): void {
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

  repo
    .command('validate')
    .description('check a repository file and print every problem (exit 0 valid, 1 invalid)')
    .argument('[file]', 'file or http(s) URL (default: the -r repository)')
    .action(async (file: string | undefined, _options: unknown, command: Command) => {
      const { repoValidate } = await import('./commands/repo-validate.js');
      await repoValidate({ ...globalOptions(command), ...(file !== undefined ? { file } : {}) });
    });

  repo
    .command('schema')
    .description('print the JSON Schema of the repository file (for editors)')
    .action(async (_options: unknown, command: Command) => {
      const { repoSchema } = await import('./commands/repo-schema.js');
      repoSchema(globalOptions(command));
    });
}
