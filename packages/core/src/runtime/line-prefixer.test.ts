import { describe, expect, it } from 'vitest';
import { LinePrefixer, OutputTail } from './line-prefixer.js';

describe('LinePrefixer', () => {
  it('prefixes complete lines and keeps the unfinished one for later', () => {
    const p = new LinePrefixer('kafka | ');
    expect(p.push('one\ntw')).toBe('kafka | one\n');
    expect(p.push('o\nthree')).toBe('kafka | two\n');
    expect(p.flush()).toBe('kafka | three\n');
    expect(p.flush()).toBe('');
  });

  it('keeps empty lines and cuts an endless line instead of holding it', () => {
    const p = new LinePrefixer('> ');
    expect(p.push('\n\n')).toBe('> \n> \n');
    const huge = 'x'.repeat(70 * 1024);
    expect(p.push(huge)).toBe(`> ${huge}\n`);
  });
});

describe('OutputTail', () => {
  it('keeps only the last complete lines within its limit', () => {
    const tail = new OutputTail(20);
    for (let i = 0; i < 100; i++) tail.push(Buffer.from(`line ${i}\n`));
    expect(tail.text()).toBe('line 98\nline 99');
  });
});
