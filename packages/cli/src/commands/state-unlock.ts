import { describeHolder, unlockState } from '@e/core/state';
import type { GlobalOptions } from '../cli.js';
import { emit } from '../output.js';

export interface StateUnlockOptions extends GlobalOptions {
  force: boolean;
}

/** `e state unlock [--force]`: removes a lock whose holder is gone (or any, with --force). */
export async function stateUnlock(options: StateUnlockOptions): Promise<void> {
  const { removed, liveness } = await unlockState(options.shared, { force: options.force });
  emit(options.output, { unlocked: removed !== undefined, holder: removed ?? null, liveness: liveness ?? null }, () => {
    if (removed === undefined) return 'The state is not locked.';
    const why =
      liveness === 'dead'
        ? 'it was no longer running'
        : liveness === 'alive'
          ? 'forced: it is still running'
          : 'forced: it may still be running elsewhere';
    return `Removed the state lock held by ${describeHolder(removed)} (${why}).`;
  });
}
