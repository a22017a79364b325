import { Command, Option } from 'commander';
import { registerAuthorCommands } from './register-author.js';
import { registerInstallCommands } from './register-install.js';
import { registerRepoCommands } from './register-repo.js';
import { registerRuntimeCommands } from './register-runtime.js';
import { registerStateCommands } from './register-state.js';

/** Options every command accepts; handlers receive them merged with their own. */
export interface GlobalOptions {
  repository: string;
  shared: string;
  output: 'text' | 'json' | 'yaml';
  platform?: string;
  debug: boolean;
}

/**
 * The one place where commands are registered. Handlers live in commands/<name>.ts and are
 * imported lazily inside each action, so `e --help` and `e --version` load nothing heavy.
 */
export function buildProgram(): Command {
  const program = new Command('e')
    .description('Compose a platform out of Dockerized Custom Modules.')
    .option(
      '-r, --repository <file|url>',
      'module repository file or URL',
      process.env.E_REPOSITORY ?? './repository.yml',
    )
    .option(
      '-s, --shared <dir>',
      'shared directory mounted into modules at /shared',
      process.env.E_SHARED ?? './shared',
    )
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json', 'yaml']).default('text'))
    .option('--platform <os/arch>', "platform to run modules on (default: the engine's)", process.env.E_PLATFORM)
    .option('--debug', 'show stack traces of errors', false)
    .addHelpText('after', '\nRun e --version (or e -v) to print the version of e.')
    .showHelpAfterError('(run e --help for usage)')
    .exitOverride();

  const repo = program.command('repo').description('read, validate and search the module repository file');
  const module = program.command('module').description('install, run and test modules');
  const state = program.command('state').description('inspect, roll back and unlock the shared state');

  registerRepoCommands(repo);
  registerRuntimeCommands(program, module);
  registerStateCommands(state);
  registerInstallCommands(program, module);
  registerAuthorCommands(module);
  return program;
}

/** The global options as seen from a subcommand's action. */
export function globalOptions(command: Command): GlobalOptions {
  return command.optsWithGlobals() as GlobalOptions;
}
