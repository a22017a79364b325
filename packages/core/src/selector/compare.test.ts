import { createRequire } from 'node:module';
import type * as Semver from 'semver';
import { describe, expect, it } from 'vitest';
import { asVersion, compareLabelValues, compareSemver, compareVersions } from './compare.js';

const semver = createRequire(import.meta.url)('semver') as typeof Semver;

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

  it('compareSemver orders every pair as semver.compare does', () => {
    // the precedence example of semver.org, and more: numbers past 9, long pre-releases, build
    // metadata, numbers too long for a double (left to semver)
    const versions = [
      '1.0.0-alpha',
      '1.0.0-alpha.1',
      '1.0.0-alpha.beta',
      '1.0.0-beta',
      '1.0.0-beta.2',
      '1.0.0-beta.11',
      '1.0.0-rc.1',
      '1.0.0',
      '1.0.0+build.7',
      '1.0.0-rc.1+b',
      '0.0.0',
      '0.9.10',
      '0.10.0',
      '2.0.0-0',
      '2.0.0-0.0',
      '2.0.0-1a',
      '2.0.0-a.1.b',
      '2.0.0-a.1',
      '2.0.0-A',
      '2.0.0--',
      '10.20.30',
      '9007199254740991.0.0',
      '1.0.0-9007199254740993',
      '1.0.0-9007199254740992',
    ];
    for (const a of versions) {
      for (const b of versions) expect([a, b, compareSemver(a, b)]).toEqual([a, b, semver.compare(a, b)]);
    }
  });
});
