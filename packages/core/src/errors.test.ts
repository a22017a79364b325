import { describe, expect, it } from 'vitest';
import { EError, QUOTE_MAX, quote } from './errors.js';

describe('quote', () => {
  it.each([
    ['kafka', '"kafka"'],
    ['a "b"', '"a \\"b\\""'],
    [5, '5'],
    [null, 'null'],
    ['x'.repeat(QUOTE_MAX), `"${'x'.repeat(QUOTE_MAX)}"`],
  ])('quotes %j whole', (value, quoted) => {
    expect(quote(value)).toBe(quoted);
  });

  it('cuts a long value after QUOTE_MAX characters and says how long it was', () => {
    expect(quote('x'.repeat(5_000_000))).toBe(`"${'x'.repeat(QUOTE_MAX)}…" (5000000 characters)`);
    expect(quote(['y'.repeat(1000)])).toHaveLength(QUOTE_MAX + 1);
  });
});

describe('EError', () => {
  it('keeps code, hint, exit code and details', () => {
    const error = new EError('E_USAGE', 'Bad.', { hint: 'Do this.', exitCode: 2, details: { n: 1 } });
    expect(error).toMatchObject({ code: 'E_USAGE', message: 'Bad.', hint: 'Do this.', exitCode: 2, details: { n: 1 } });
    expect(new EError('E_USAGE', 'Bad.')).toMatchObject({ hint: undefined, exitCode: 1, details: undefined });
  });
});
