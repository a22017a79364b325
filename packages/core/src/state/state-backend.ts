import { resolve } from 'node:path';
import type { StateLockOptions } from './state-lock.js';

/**
 * Where the canonical state of a shared directory lives when it is not the directory itself (the
 * default). A backend keeps the state text, the modules' own files, the history and e's records
 * per named environment; e works on the local shared directory as a working copy of it:
 * `withLock` takes the backend's lock, copies the canonical state into the directory, runs `fn`
 * and writes back what changed (refused when the canonical copy changed since it was read).
 */
export interface StateBackend {
  /** For messages: `postgres://e@db:5432/e (environment prod)`; never a password. */
  readonly label: string;
  /** Copies the canonical state into `shared` without the lock (read-only commands). */
  refresh(shared: string): Promise<void>;
  withLock<T>(shared: string, options: StateLockOptions, fn: (hold: BackendHold) => Promise<T>): Promise<T>;
}

/** A backend's lock while `fn` runs. */
export interface BackendHold {
  /** Aborted when the lock is lost (its connection dropped): the run stops and nothing is written back. */
  readonly lost: AbortSignal;
}

const backends = new Map<string, StateBackend>();

/**
 * Makes `backend` the home of the state of the shared directory `shared` (an absolute path) for
 * this process: every `withStateLock` on it then goes through the backend. `undefined` undoes it.
 */
export function useStateBackend(shared: string, backend: StateBackend | undefined): void {
  if (backend === undefined) backends.delete(resolve(shared));
  else backends.set(resolve(shared), backend);
}

/** The backend registered for `shared`, if any. */
export function stateBackendFor(shared: string): StateBackend | undefined {
  return backends.get(resolve(shared));
}
