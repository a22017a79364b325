import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type OutputActivity, untilOutputEnds } from './output-grace.js';

const never = new Promise<void>(() => {});

describe('untilOutputEnds: the output of an exited container is read until it ends or stays silent', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  /** Whether `promise` has settled (after letting pending callbacks run). */
  async function settled(promise: Promise<unknown>): Promise<boolean> {
    let done = false;
    promise.then(
      () => {
        done = true;
      },
      () => {
        done = true;
      },
    );
    await vi.advanceTimersByTimeAsync(0);
    return done;
  }

  it('cuts a stream the engine left open, once the exit came and the output was silent for the grace', async () => {
    const cut = vi.fn();
    const activity: OutputActivity = { lastAt: Date.now(), busy: 0 };
    const ended = untilOutputEnds(never, Promise.resolve(), activity, cut, 3_000);
    await vi.advanceTimersByTimeAsync(2_900);
    expect(cut).not.toHaveBeenCalled();
    expect(await settled(ended)).toBe(false);
    await vi.advanceTimersByTimeAsync(200);
    expect(cut).toHaveBeenCalledTimes(1);
    expect(await settled(ended)).toBe(true);
  });

  it('never cuts before the exit, however long the module is silent', async () => {
    const cut = vi.fn();
    const ended = untilOutputEnds(never, never, { lastAt: Date.now(), busy: 0 }, cut, 3_000);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(cut).not.toHaveBeenCalled();
    expect(await settled(ended)).toBe(false);
  });

  it('waits while output still flows after the exit, and while e is still writing some out', async () => {
    const cut = vi.fn();
    const activity: OutputActivity = { lastAt: Date.now(), busy: 0 };
    untilOutputEnds(never, Promise.resolve(), activity, cut, 3_000);
    for (let i = 0; i < 10; i++) {
      await vi.advanceTimersByTimeAsync(2_000);
      activity.lastAt = Date.now();
    }
    expect(cut).not.toHaveBeenCalled();
    activity.busy = 1;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(cut).not.toHaveBeenCalled();
    activity.busy = 0;
    activity.lastAt = Date.now();
    await vi.advanceTimersByTimeAsync(3_100);
    expect(cut).toHaveBeenCalledTimes(1);
  });

  it('settles as the reading does when it ends first, and leaves no timer', async () => {
    const cut = vi.fn();
    await expect(
      untilOutputEnds(Promise.resolve(), Promise.resolve(), { lastAt: Date.now(), busy: 0 }, cut),
    ).resolves.toBeUndefined();
    await expect(
      untilOutputEnds(Promise.reject(new Error('EPIPE')), never, { lastAt: Date.now(), busy: 0 }, cut),
    ).rejects.toThrow('EPIPE');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(cut).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
  });
});
