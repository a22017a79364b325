import { describe, expect, it } from 'vitest';
import { sanitizeTerminalText } from './sanitize-terminal-text.js';

const ESC = '\x1b';

describe('sanitizeTerminalText', () => {
  const cases: { name: string; input: string; plain: string; color?: string }[] = [
    { name: 'plain text, tabs and Unicode', input: 'größe\t5 ✓\n', plain: 'größe\t5 ✓\n' },
    { name: 'cursor up and to a position', input: `a${ESC}[2Ab${ESC}[10;20Hc${ESC}[D`, plain: 'abc' },
    { name: 'clear screen and home', input: `${ESC}[2J${ESC}[Hhello${ESC}[K`, plain: 'hello' },
    { name: 'save, restore and full reset (ESC 7, ESC 8, ESC c)', input: `${ESC}7x${ESC}8y${ESC}cz`, plain: 'xyz' },
    { name: 'character set designation (ESC ( B)', input: `${ESC}(0lqk${ESC}(B`, plain: 'lqk' },
    { name: 'window title by OSC ended with BEL', input: `${ESC}]0;pwned\x07after`, plain: 'after' },
    { name: 'window title by OSC ended with ST', input: `${ESC}]2;pwned${ESC}\\after`, plain: 'after' },
    { name: 'clipboard write by OSC 52', input: `${ESC}]52;c;ZWNobyBoaQ==\x07ok`, plain: 'ok' },
    {
      name: 'hyperlink by OSC 8',
      input: `${ESC}]8;;https://evil.example/${ESC}\\click${ESC}]8;;${ESC}\\`,
      plain: 'click',
    },
    { name: '8-bit OSC ended with 8-bit ST', input: '\x9d0;pwned\x9cafter', plain: 'after' },
    {
      name: 'DCS, SOS, PM and APC strings',
      input: `${ESC}Pq#0${ESC}\\a${ESC}Xs${ESC}\\b\x90d\x9cc${ESC}_x\x07d`,
      plain: 'abcd',
    },
    { name: '8-bit CSI 0x9b', input: '\x9b2J\x9b1;1Hx', plain: 'x' },
    { name: 'an unterminated OSC does not swallow the next line', input: `${ESC}]0;title\nnext`, plain: '\nnext' },
    { name: 'a sequence cut by another ESC', input: `${ESC}[1${ESC}[2Jx`, plain: 'x' },
    { name: 'ESC or CSI at the very end', input: `x${ESC}[1;`, plain: 'x' },
    { name: 'lone ESC at the end', input: `x${ESC}`, plain: 'x' },
    { name: 'lone carriage return (progress redrawn over e lines)', input: '50%\r60%\rdone', plain: '50%60%done' },
    { name: 'CRLF becomes LF', input: 'a\r\nb\r\n', plain: 'a\nb\n' },
    { name: 'other C0, DEL and C1 characters', input: 'a\x00b\x07c\x08d\x7fe\x85f\x9cg\x0bh\x0ci', plain: 'abcdefghi' },
    {
      name: 'forged e line after moving to the line start',
      input: `${ESC}[1G${ESC}[2Ke: all modules verified`,
      plain: 'e: all modules verified',
    },
    {
      name: 'SGR colour with its own reset',
      input: `${ESC}[1;31mred${ESC}[0m done`,
      plain: 'red done',
      color: `${ESC}[1;31mred${ESC}[0m done`,
    },
    {
      name: '256-colour and true-colour SGR',
      input: `${ESC}[38;5;196mX${ESC}[38:2::1:2:3mY${ESC}[m`,
      plain: 'XY',
      color: `${ESC}[38;5;196mX${ESC}[38:2::1:2:3mY${ESC}[m`,
    },
    {
      name: 'colour left open is reset at the end of its line',
      input: `${ESC}[31mred\nplain\n${ESC}[8mhidden`,
      plain: 'red\nplain\nhidden',
      color: `${ESC}[31mred${ESC}[0m\nplain\n${ESC}[8mhidden${ESC}[0m`,
    },
    {
      name: '8-bit SGR is kept in its 7-bit form',
      input: '\x9b32mok',
      plain: 'ok',
      color: `${ESC}[32mok${ESC}[0m`,
    },
    {
      name: 'a coloured line keeps its tab and is reset at its end, the next line is plain',
      input: `${ESC}[31mred\tx\nnext\tline\n`,
      plain: 'red\tx\nnext\tline\n',
      color: `${ESC}[31mred\tx${ESC}[0m\nnext\tline\n`,
    },
    {
      name: 'private modes ending in m or h are not colour',
      input: `${ESC}[?25l${ESC}[>4;2m${ESC}[1 mx`,
      plain: 'x',
      color: 'x',
    },
  ];

  for (const { name, input, plain, color } of cases) {
    it(`${name}: without colour`, () => {
      expect(sanitizeTerminalText(input, { color: false })).toBe(plain);
    });
    it(`${name}: with colour`, () => {
      expect(sanitizeTerminalText(input, { color: true })).toBe(color ?? plain);
    });
  }

  it('leaves no ESC or C1 character in any output without colour', () => {
    let all = '';
    for (let code = 0; code < 0xa0; code++) all += `${String.fromCharCode(code)}[2J]0;t\x07`;
    for (const color of [false, true]) {
      const left = [...sanitizeTerminalText(all, { color })].filter((ch) => {
        const code = ch.charCodeAt(0);
        return (code < 0x20 && ch !== '\n' && ch !== '\t') || (code >= 0x7f && code <= 0x9f);
      });
      expect(left).toEqual([]);
    }
  });
});
