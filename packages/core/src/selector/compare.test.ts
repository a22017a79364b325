import { describe, expect, it } from 'vitest';
import { asVersion, compareLabelValues, compareVersions } from './compare.js';

describe('versions and comparisons', () => {
  it.each([
    ['1.10.0', '1.9.0', 1],
    ['1.9.0', '1.10.0', -1],
    ['1.0.0', '1.0.0+build.5', 0],
    ['1.0.0-rc.1', '1.0.0', -1],
    ['1.0.0-rc.10', '1.0.0-rc.9', 1],
    ['0.1.0', 'not-a-version', 1],
    ['a', 'b', -1],
  ])('compareVersions(%s, %s) = %i', (a, b, expected) => {
    expect(compareVersions(a, b)).toBe(expected);
  });

  it('sorts deterministically', () => {
    expect(['1.10.0', '1.2.0', '1.9.0', '0.1.0', '1.10.0-rc.1'].sort(compareVersions)).toEqual([
      '0.1.0',
      '1.2.0',
      '1.9.0',
      '1.10.0-rc.1',
      '1.10.0',
    ]);
  });

  it.each([
    ['1.10', '1.10.0'],
    ['v2', '2.0.0'],
    ['01.2.3', '1.2.3'],
    ['2.5.1-rc.1+b', '2.5.1-rc.1+b'],
    ['abc', undefined],
    ['1.2.3.4', undefined],
  ])('asVersion(%s) = %s', (value, expected) => {
    expect(asVersion(value)).toBe(expected);
  });

  it.each<[string | number | boolean, string, number | undefined]>([
    [5, '3', 1],
    [2.5, '2.10', 1],
    ['2.5', '2.10', -1],
    ['1.10.0', '1.9.0', 1],
    ['-1', '0', -1],
    ['abc', '1', undefined],
    [true, '1', undefined],
  ])('compareLabelValues(%j, %j) = %s', (label, value, expected) => {
    expect(compareLabelValues(label, value)).toBe(expected);
  });
});
