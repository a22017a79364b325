import { Command, Option } from 'commander';
import { platformOptionProblem } from './check-platform-option.js';

/** Options every command accepts; handlers receive them merged with their own. */
export interface GlobalOptions {
  repository: string;
  shared: string;
  output: 'text' | 'json' | 'yaml';
  platform?: string;
  /** Where the state lives: unset for the shared directory, `postgres://...` for PostgreSQL. */
  state?: string;
  /** The named environment within a state backend. */
  env: string;
  debug: boolean;
}

/**
 * The program `e` with its global options and what runs before every command, and no commands yet:
 * cli.ts registers them all, cli-read.ts only those that read (the slim bundle). Both add a
 * command with the same register-* function, so its options, errors and output are the same.
 */
export function createProgram(): Command {
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
    // no default from E_STATE_URL here: e module validate has a --state FILE of its own that
    // commander hands to this option (state-backend.ts reads E_STATE_URL)
    .option('--state <url>', 'where the state lives: postgres://user@host:port/db (default: the shared directory)')
    .option('--env <name>', 'named environment within the state backend', process.env.E_ENV ?? 'default')
    .option('--engine <url>', 'Docker engine: unix:///path, tcp://host:port or ssh://user@host (default: DOCKER_HOST)')
    .option('--debug', 'show stack traces of errors', false)
    .addHelpText('after', '\nRun e --version (or e -v) to print the version of e.')
    .showHelpAfterError('(run e --help for usage)')
    .exitOverride()
    .hook('preAction', async (_program, actionCommand) => {
      // e.yml fills what no flag and no environment variable set; --engine points dockerode at an engine
      const { applyEConfig } = await import('./e-config-options.js');
      await applyEConfig(program, actionCommand);
      const problem = platformOptionProblem(program);
      if (problem !== undefined) {
        const { RuntimeError } = await import('@e/core/errors');
        throw new RuntimeError('E_PLATFORM_INVALID', problem);
      }
      const { attachStateBackend } = await import('./state-backend.js');
      await attachStateBackend(actionCommand);
    });
  return program;
}

/** The command group `e repo` (cli.ts adds all its commands, cli-read.ts those that read). */
export function addRepoGroup(program: Command): Command {
  return program.command('repo').description('read, validate and search the module repository file');
}

/** The command group `e module`. */
export function addModuleGroup(program: Command): Command {
  return program.command('module').description('install, run and test modules');
}

/** The command group `e state`. */
export function addStateGroup(program: Command): Command {
  return program.command('state').description('inspect, roll back and unlock the shared state');
}

/** The global options as seen from a subcommand's action. */
export function globalOptions(command: Command): GlobalOptions {
  return command.optsWithGlobals() as GlobalOptions;
}
