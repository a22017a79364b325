import { describe, expect, it } from 'vitest';
import { matchSubset } from './match-subset.js';

describe('matchSubset', () => {
  it.each([
    { name: 'extra keys are fine', expected: { a: 1 }, actual: { a: 1, b: 2 }, failures: [] },
    { name: 'missing key', expected: { a: 1 }, actual: {}, failures: ['a: missing (expected 1)'] },
    {
      name: 'sequences need the same length',
      expected: [1],
      actual: [1, 2],
      failures: ['(root): expected 1 item(s), got 2'],
    },
    { name: 'items are subsets', expected: [{ a: 1 }], actual: [{ a: 1, b: 2 }], failures: [] },
    { name: 'scalars are strict', expected: { v: '1' }, actual: { v: 1 }, failures: ['v: expected "1", got 1'] },
    {
      name: 'nested path',
      expected: { a: { b: [{ c: 'x' }] } },
      actual: { a: { b: [{ c: 'y' }] } },
      failures: ['a.b.0.c: expected "x", got "y"'],
    },
  ])('$name', ({ expected, actual, failures }) => {
    expect(matchSubset(expected, actual)).toEqual(failures);
  });
});
