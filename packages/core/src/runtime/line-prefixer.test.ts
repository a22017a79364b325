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

describe('LinePrefixer strips what a terminal would act on', () => {
  const ESC = '\x1b';
  const cases: { name: string; chunks: (string | Buffer)[]; plain: string; color?: string }[] = [
    { name: 'clear screen', chunks: [`${ESC}[2J${ESC}[Hhi\n`], plain: 'k | hi\n' },
    { name: 'CSI split across chunks', chunks: [`a${ESC}[`, '2', `Jb\n`], plain: 'k | ab\n' },
    { name: 'OSC title split across chunks', chunks: [`${ESC}]0;ti`, `tle\x07ok\n`], plain: 'k | ok\n' },
    { name: 'ESC alone at the end of a chunk', chunks: [`x${ESC}`, `[1Ay\n`], plain: 'k | xy\n' },
    { name: 'CRLF and lone CR', chunks: ['1%\r2%\r', 'done\r\n'], plain: 'k | 1%2%done\n' },
    {
      name: 'a UTF-8 character split across chunks',
      chunks: [Buffer.from([0x67, 0x72, 0xc3]), Buffer.from([0xb6, 0xc3, 0x9f, 0x65, 0x0a])],
      plain: 'k | größe\n',
    },
    {
      name: 'colour kept on a terminal, reset at the line end',
      chunks: [`${ESC}[3`, `1mred\n`],
      plain: 'k | red\n',
      color: `k | ${ESC}[31mred${ESC}[0m\n`,
    },
    { name: 'unfinished last line flushed', chunks: [`${ESC}]2;t\x07tail`], plain: 'k | tail\n' },
  ];
  for (const { name, chunks, plain, color } of cases) {
    for (const withColor of [false, true]) {
      it(`${name} (${withColor ? 'colour' : 'no colour'})`, () => {
        const p = new LinePrefixer('k | ', { color: withColor });
        const out = chunks.map((chunk) => p.push(chunk)).join('') + p.flush();
        expect(out).toBe(withColor ? (color ?? plain) : plain);
      });
    }
  }

  it('cuts an endless line into sanitized pieces', () => {
    const p = new LinePrefixer('> ');
    const huge = `${'x'.repeat(70 * 1024)}${ESC}[2J`;
    expect(p.push(huge)).toBe(`> ${'x'.repeat(70 * 1024)}\n`);
  });
});

describe('OutputTail', () => {
  it('keeps only the last complete lines within its limit', () => {
    const tail = new OutputTail(20);
    for (let i = 0; i < 100; i++) tail.push(Buffer.from(`line ${i}\n`));
    expect(tail.text()).toBe('line 98\nline 99');
  });
});
