import { describe, expect, it } from 'vitest';
import { compareNames } from './repo-list.js';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789-';

describe('compareNames', () => {
  it('orders module names as localeCompare does (default locale and en)', () => {
    const names: string[] = [];
    for (const a of ALPHABET) {
      names.push(a);
      for (const b of ALPHABET) names.push(a + b);
    }
    let seed = 14;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let i = 0; i < 2000; i++) {
      const length = 2 + Math.floor(random() * 10);
      let name = '';
      for (let j = 0; j < length; j++) name += ALPHABET[Math.floor(random() * ALPHABET.length)];
      names.push(name, `${name}-1`, `${name}1`, `${name}a`);
    }
    const unique = [...new Set(names)];
    const ours = [...unique].sort(compareNames);
    expect(ours).toEqual([...unique].sort((a, b) => a.localeCompare(b)));
    expect(ours).toEqual([...unique].sort((a, b) => a.localeCompare(b, 'en')));
    expect(['b', 'a1', 'a-b', 'ab', 'a'].sort(compareNames)).toEqual(['a', 'a-b', 'a1', 'ab', 'b']);
    expect(compareNames('aws', 'aws')).toBe(0);
  });
});
