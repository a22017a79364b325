import { describe, expect, it } from 'vitest';
import { parseStateText } from '../state/state-file.js';
import { parseRepository } from './parse-repository.js';
import { findTooDeep, MAX_NESTING } from './yaml-nesting.js';

const blockMaps = (n: number) => Array.from({ length: n }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n');

describe('findTooDeep', () => {
  it.each([
    ['flow lists', (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`],
    ['flow maps', (n: number) => `${'{b: '.repeat(n)}1${'}'.repeat(n)}`],
    ['a block map holding flow lists', (n: number) => `a: ${'['.repeat(n - 1)}${']'.repeat(n - 1)}`],
    ['block maps', (n: number) => `${blockMaps(n)} 1`],
    ['compact block lists', (n: number) => `${'- '.repeat(n)}x`],
  ])('accepts %s MAX_NESTING deep and finds one level more', (_, nest) => {
    expect(findTooDeep(nest(MAX_NESTING))).toBeUndefined();
    expect(findTooDeep(nest(MAX_NESTING + 1))).toBeDefined();
  });

  it('gives the position of the level too many', () => {
    expect(findTooDeep('a: [[[1]]]', 3)).toEqual({ line: 1, col: 6 });
    expect(findTooDeep('a:\n  b:\n    c:\n      d: 1', 3)).toEqual({ line: 4, col: 7 });
  });

  it('counts no brackets in quotes, comments and block scalars', () => {
    const text = [
      `a: "${'['.repeat(500)}"`,
      `b: '${'{'.repeat(500)}'`,
      `# ${'['.repeat(500)}`,
      'c: |',
      ...Array.from({ length: 500 }, () => '  [[[ {{{'),
      'd: [1, [2]]',
    ].join('\n');
    expect(findTooDeep(text)).toBeUndefined();
  });

  it('reads 100,000 levels without running out of stack', () => {
    expect(findTooDeep(`a: ${'['.repeat(100_000)}${']'.repeat(100_000)}`)).toEqual({
      line: 1,
      col: 'a: '.length + MAX_NESTING,
    });
  });
});

describe('deeply nested files', () => {
  it.each([
    ['flow', `components: ${'['.repeat(100_000)}${']'.repeat(100_000)}`],
    ['compact block lists', `components:\n${'- '.repeat(100_000)}x`],
  ])('a repository nested 100,000 levels deep (%s) is one problem, not a crash', (_, text) => {
    const result = parseRepository(text, 'deep.yml');
    expect(result.value).toBeUndefined();
    expect(result.problems).toEqual([
      expect.objectContaining({
        file: 'deep.yml',
        line: expect.any(Number),
        message: `collections nest deeper than ${MAX_NESTING} levels here, more than any repository file needs`,
      }),
    ]);
  });

  it('a state nested 100,000 levels deep is a problem, not a crash', () => {
    expect(parseStateText(`a: ${'{b: '.repeat(100_000)}1${'}'.repeat(100_000)}`)).toEqual({
      ok: false,
      reason: 'syntax',
      problem: `1:${'a: '.length + '{b: '.length * (MAX_NESTING - 1) + 1}: collections nest deeper than ${MAX_NESTING} levels here, more than e reads`,
    });
  });

  it('a state that is one 5 MB scalar is quoted in 200 characters', () => {
    const parsed = parseStateText('x'.repeat(5_000_000));
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problem.length).toBeLessThan(300);
  });
});
