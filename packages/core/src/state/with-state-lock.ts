import { acquireStateLock, type StateLock, type StateLockOptions } from './state-lock.js';
import { recoverInterruptedRun } from './state-run.js';

export interface WithStateLockOptions extends StateLockOptions {
  /**
   * Clean up after a module run whose e process died (see recoverInterruptedRun) right after the
   * lock is taken. Default true; pass false to do it yourself later, e.g. after removing the dead
   * run's leftover container so it cannot write the state any more.
   */
  recoverInterrupted?: boolean;
}

/**
 * Runs `fn` while holding the state lock of `shared`; the lock is released however `fn` ends.
 * Everything that writes state.yml or the history runs inside one of these.
 */
export async function withStateLock<T>(
  shared: string,
  options: WithStateLockOptions,
  fn: (lock: StateLock) => Promise<T>,
): Promise<T> {
  const lock = await acquireStateLock(shared, options);
  try {
    if (options.recoverInterrupted !== false) {
      const notice = await recoverInterruptedRun(shared);
      if (notice !== undefined) options.onNotice?.(notice);
    }
    return await fn(lock);
  } finally {
    await lock.release();
  }
}
