import { resolve } from 'node:path';
import { stateBackendFor } from './state-backend.js';
import { acquireStateLock, type StateLock, type StateLockOptions } from './state-lock.js';

export interface WithStateLockOptions extends StateLockOptions {
  /**
   * Finish the module runs of an e process that died (see run/recover.ts) right after the lock is
   * taken. Default true; pass false to do it yourself later, e.g. after removing the dead run's
   * leftover container.
   */
  recoverInterrupted?: boolean;
}

/**
 * Runs `fn` while holding the state lock of `shared`; the lock is released however `fn` ends.
 * Everything that writes state.yml or the history runs inside one of these. When a state backend
 * is registered for `shared` (state-backend.ts), its lock is taken first and the directory is a
 * working copy: filled from the backend before `fn`, written back after it.
 */
export async function withStateLock<T>(
  shared: string,
  options: WithStateLockOptions,
  fn: (lock: StateLock) => Promise<T>,
): Promise<T> {
  const backend = stateBackendFor(resolve(shared));
  if (backend === undefined) return withLocalLock(shared, options, fn);
  return backend.withLock(resolve(shared), options, (hold) =>
    withLocalLock(shared, options, (lock) =>
      fn({ holder: lock.holder, release: () => lock.release(), lost: hold.lost }),
    ),
  );
}

async function withLocalLock<T>(
  shared: string,
  options: WithStateLockOptions,
  fn: (lock: StateLock) => Promise<T>,
): Promise<T> {
  const lock = await acquireStateLock(shared, options);
  try {
    if (options.recoverInterrupted !== false) {
      // loaded only here: the run code depends on the state code, not the other way round
      const { recoverRuns } = await import('../run/recover.js');
      for (const notice of await recoverRuns(shared)) options.onNotice?.(notice);
    }
    return await fn(lock);
  } finally {
    await lock.release();
  }
}
