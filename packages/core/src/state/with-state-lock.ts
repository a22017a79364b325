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
      // loaded only here: the run code depends on the state code, not the other way round
      const { recoverRuns } = await import('../run/recover.js');
      for (const notice of await recoverRuns(shared)) options.onNotice?.(notice);
    }
    return await fn(lock);
  } finally {
    await lock.release();
  }
}
