import { resolve } from 'node:path';
import type { PostgresStateBackend } from '@e/core/backend';
import type { CommandLike } from './command-line.js';
import { commandPath } from './completion.js';

/**
 * Commands that never touch the shared state through a backend: the repository and author tools,
 * completion, and the state commands that handle --state themselves (push and pull move a state
 * between the directory and a backend; unlock and doctor look at the backend's lock).
 */
const WITHOUT_BACKEND = new Set([
  'repo',
  'module build',
  'module test',
  'module validate',
  'module new',
  'completion',
  '__complete',
  'state push',
  'state pull',
  'state unlock',
  'doctor',
]);

/**
 * The state URL for a command: --state, else E_STATE_URL. `e module validate` has a --state FILE
 * of its own (commander hands it to the global option), so it never names a backend there.
 */
export function stateUrlOf(command: CommandLike): string | undefined {
  const path = commandPath(command);
  const flag = path === 'module validate' ? undefined : (command.optsWithGlobals() as { state?: string }).state;
  const url = flag ?? process.env.E_STATE_URL;
  return url === undefined || url === '' ? undefined : url;
}

/**
 * Before a command that reads or writes the state: with a state URL, the shared directory becomes
 * a working copy of that backend's environment (filled now; every lock taken on it goes through
 * the backend). Without one, nothing happens and pg is never loaded.
 */
export async function attachStateBackend(command: CommandLike): Promise<void> {
  const path = commandPath(command);
  if (WITHOUT_BACKEND.has(path) || WITHOUT_BACKEND.has(path.split(' ')[0] ?? '')) return;
  const url = stateUrlOf(command);
  const { shared, env } = command.optsWithGlobals() as { shared: string; env: string };
  const { useStateBackend } = await import('@e/core/state');
  if (url === undefined) {
    useStateBackend(shared, undefined); // a process that runs several commands (tests)
    return;
  }
  const backend = await openStateBackend(url, env);
  await backend.refresh(resolve(shared));
  useStateBackend(shared, backend);
}

/** The backend a state URL names (only PostgreSQL so far). */
export async function openStateBackend(url: string, env: string): Promise<PostgresStateBackend> {
  const { PostgresStateBackend } = await import('@e/core/backend');
  return new PostgresStateBackend(url, env);
}
