import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { REMOVAL_GRACE_MS, untilRemoved } from './removal-grace.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('untilRemoved', () => {
  it('removes the container itself once the grace has passed without the engine removing it', async () => {
    const stopWaiting = new AbortController();
    const otherwise = vi.fn(async () => undefined);
    const done = untilRemoved(new Promise(() => undefined), { stopWaiting, otherwise });
    await vi.advanceTimersByTimeAsync(REMOVAL_GRACE_MS - 1);
    expect(otherwise).not.toHaveBeenCalled();
    expect(stopWaiting.signal.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await done;
    expect(otherwise).toHaveBeenCalledOnce();
    expect(stopWaiting.signal.aborted).toBe(true);
  });

  it('leaves the removal to the engine when it comes within the grace, and no timer behind', async () => {
    const stopWaiting = new AbortController();
    const otherwise = vi.fn(async () => undefined);
    let removed: (value?: unknown) => void = () => undefined;
    const done = untilRemoved(new Promise((resolve) => (removed = resolve)), { stopWaiting, otherwise });
    await vi.advanceTimersByTimeAsync(REMOVAL_GRACE_MS - 1);
    removed();
    await done;
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(2 * REMOVAL_GRACE_MS);
    expect(otherwise).not.toHaveBeenCalled();
    expect(stopWaiting.signal.aborted).toBe(false);
  });

  it('removes the container at once when the wait for its removal fails', async () => {
    const stopWaiting = new AbortController();
    const otherwise = vi.fn(async () => undefined);
    await untilRemoved(Promise.reject(new Error('the wait failed')), { stopWaiting, otherwise });
    expect(otherwise).toHaveBeenCalledOnce();
    expect(stopWaiting.signal.aborted).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('never rejects, not even when removing the container fails', async () => {
    const stopWaiting = new AbortController();
    const done = untilRemoved(new Promise(() => undefined), {
      stopWaiting,
      otherwise: () => Promise.reject(new Error('no such container')),
      graceMs: 10,
    });
    await vi.advanceTimersByTimeAsync(10);
    await expect(done).resolves.toBeUndefined();
  });
});
