/**
 * How long a container's output may stay silent after the container has exited before e stops
 * reading it. A Docker 20.10 engine that removes the container itself (AutoRemove) can leave the
 * attach stream open for good after the exit and the removal (seen in this project's CI: e waited
 * on it until the test's timeout); output still flowing after the exit keeps it open.
 */
export const OUTPUT_IDLE_MS = 3_000;

/** What untilOutputEnds watches of the output: when it last moved, and whether e is still writing some. */
export interface OutputActivity {
  lastAt: number;
  busy: number;
}

/**
 * Settles as `reading` does; but once `exited` has resolved and the output was silent for
 * `idleMs` (counted from the later of the exit and the last output, never while e still writes
 * some out), calls `cut` (which must end `reading` quietly) and resolves.
 */
export function untilOutputEnds(
  reading: Promise<void>,
  exited: Promise<unknown>,
  activity: OutputActivity,
  cut: () => void,
  idleMs = OUTPUT_IDLE_MS,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      fn();
    };
    reading.then(
      () => finish(resolve),
      (error: unknown) => finish(() => reject(error)),
    );
    exited.then(
      () => {
        const exitedAt = Date.now();
        const check = () => {
          if (settled) return;
          const idle = Date.now() - Math.max(activity.lastAt, exitedAt);
          if (activity.busy === 0 && idle >= idleMs) {
            finish(() => {
              cut();
              resolve();
            });
            return;
          }
          timer = setTimeout(check, Math.max(idleMs - idle, 50));
          // the open output stream holds e's process while it lasts; this timer need not
          timer.unref();
        };
        check();
      },
      () => undefined,
    );
  });
}
