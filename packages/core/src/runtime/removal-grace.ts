/**
 * How long e leaves the engine to remove an ended container itself (AutoRemove) before removing
 * it: a wait for `removed` can go unanswered (a removal that failed, or raced with the wait; the
 * docker CLI bounds its own wait the same way), and e must not hang on it.
 */
export const REMOVAL_GRACE_MS = 5_000;

export interface RemovalGrace {
  /** Aborts the wait for `removed` when e stops waiting for it. */
  stopWaiting: AbortController;
  /** What e does when the engine's removal did not come in time (removes the container itself). */
  otherwise?: () => Promise<void>;
  graceMs?: number;
}

/**
 * Waits for the engine's own removal of a container (`gone`) at most `graceMs`; when it did not
 * come in time, or the wait for it failed, stops waiting for it and runs `otherwise`. Never
 * rejects. The timer is cleared as soon as `gone` settles and does not hold e's process open by
 * itself (the wait for `gone`, a request to the engine, does while it lasts).
 */
export async function untilRemoved(
  gone: Promise<unknown>,
  { stopWaiting, otherwise, graceMs = REMOVAL_GRACE_MS }: RemovalGrace,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(resolve, graceMs, false);
    timer.unref();
  });
  const removed = await Promise.race([
    gone.then(
      () => true,
      () => false,
    ),
    late,
  ]);
  clearTimeout(timer);
  if (removed) return;
  stopWaiting.abort();
  await otherwise?.().catch(() => undefined);
}
