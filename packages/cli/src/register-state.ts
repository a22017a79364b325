import type { Command } from 'commander';
import { globalOptions } from './program.js';
import { registerStateReadCommands } from './register-read.js';
import { stateUrlOf } from './state-backend.js';

/** Registers e state show|history|rollback|unlock|push|pull. Handlers are imported lazily from commands/. */
export function registerStateCommands(state: Command): void {
  registerStateReadCommands(state);

  state
    .command('history [entry]')
    .description('list the recorded module runs and rollbacks, or show one entry with its diff')
    .action(async (entry: string | undefined, _options: object, command: Command) => {
      const { stateHistory } = await import('./commands/state-history.js');
      await stateHistory({ ...globalOptions(command), entry });
    });

  state
    .command('rollback <revision>')
    .description('restore state.yml as it was after history entry N (0: before the first entry)')
    .option('--dry-run', 'show what would change without writing', false)
    .option('-y, --yes', 'roll back without asking (needed without a terminal)', false)
    .option('--lock-timeout <duration>', 'how long to wait for the state lock (e.g. 30s, 2m)', '0s')
    .action(
      async (revision: string, options: { dryRun: boolean; yes: boolean; lockTimeout: string }, command: Command) => {
        const { stateRollback } = await import('./commands/state-rollback.js');
        await stateRollback({ ...globalOptions(command), ...options, revision });
      },
    );

  state
    .command('unlock')
    .description(
      'remove the state lock left by an e process that is gone, and list the containers other hosts started on this shared directory',
    )
    .option(
      '--force',
      "remove the lock even if its holder may still be running, and those containers (with --state: end the holder's database session)",
      false,
    )
    .action(async (options: { force: boolean }, command: Command) => {
      const { stateUnlock } = await import('./commands/state-unlock.js');
      await stateUnlock({ ...globalOptions(command), ...options, stateUrl: stateUrlOf(command) });
    });

  for (const verb of ['push', 'pull'] as const) {
    state
      .command(verb)
      .description(
        verb === 'push'
          ? 'copy the shared directory’s state, module files and history to the --state PostgreSQL environment'
          : 'copy the --state PostgreSQL environment’s state, module files and history into the shared directory',
      )
      .option(
        '--force',
        `replace a state the ${verb === 'push' ? 'environment' : 'shared directory'} already holds`,
        false,
      )
      .option('--lock-timeout <duration>', 'how long to wait for the state lock (e.g. 30s, 2m)', '0s')
      .action(async (options: { force: boolean; lockTimeout: string }, command: Command) => {
        const { statePush, statePull } = await import('./commands/state-transfer.js');
        await (verb === 'push' ? statePush : statePull)({
          ...globalOptions(command),
          ...options,
          stateUrl: stateUrlOf(command),
        });
      });
  }
}
