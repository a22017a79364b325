import type { Command } from 'commander';
import { globalOptions } from './program.js';
import { registerRepoReadCommands } from './register-read.js';

/** Registers e repo list|search|show|validate|schema (repository file and selectors). Handlers are imported lazily from commands/. */
export function registerRepoCommands(repo: Command): void {
  registerRepoReadCommands(repo);

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
