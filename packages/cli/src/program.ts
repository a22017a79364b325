import { Command, Option } from 'commander';
import { beforeCommand } from './command-line.js';

export { type CommandLike, type GlobalOptions, globalOptions } from './command-line.js';

/**
 * The program `e` with its global options and what runs before every command, and no commands yet:
 * cli.ts registers them all (cli-run.ts those that run a module). The read-only bundle reads its
 * command lines without commander (parseReadArgs in bin/bundle-loader.js, main-read.ts): the
 * options' defaults here and there are compared by read-args.test.ts.
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
    // e.yml, --engine, --platform and --state, before every command (command-line.ts)
    .hook('preAction', (_program, actionCommand) => beforeCommand(program, actionCommand));
  return program;
}

/** The command group `e repo`. */
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
