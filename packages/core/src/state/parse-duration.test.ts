import { describe, expect, it } from 'vitest';
import { MAX_DURATION_MS, parseDuration } from './parse-duration.js';

describe('parseDuration', () => {
  it.each([
    ['0', 0],
    ['0s', 0],
    ['5', 5000],
    ['1.5', 1500],
    ['30s', 30_000],
    ['500ms', 500],
    ['2m', 120_000],
    ['1m30s', 90_000],
    ['1h', 3_600_000],
    [' 10s ', 10_000],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', 'abc', '10x', '-5s', '5 s', 's', '1m 30s'])('rejects %j with one sentence', (text) => {
    expect(() => parseDuration(text)).toThrow(`--lock-timeout "${text}" is not a duration; use e.g. 0s, 30s, 2m`);
  });

  it.each(['40000m', '597h', '2147483648ms', '99999999999999999999'])(
    'refuses %j, longer than a timer can wait, instead of firing at once',
    (text) => {
      expect(() => parseDuration(text, '--timeout')).toThrow(
        `--timeout "${text}" is longer than e can wait: at most 596h (about 24.8 days).`,
      );
    },
  );

  it('accepts the longest duration a timer can wait', () => {
    expect(parseDuration('596h')).toBe(596 * 3_600_000);
    expect(parseDuration(`${MAX_DURATION_MS}ms`)).toBe(MAX_DURATION_MS);
  });
});
