import { describe, expect, it } from 'vitest';
import { table } from './output.js';

const rows = [
  ['MODULE', 'LATEST', 'LABELS'],
  ['azi', '0.1.0', 'version=0.1.0,name=Azure Infrastructure,short=AZI,kind=infrastructure,provider=azure'],
  ['kafka', '0.2.0', 'kind=streaming'],
];

describe('table', () => {
  it('is as wide as it needs without a width (a pipe or a file)', () => {
    expect(table(rows, { width: undefined })).toBe(
      [
        'MODULE  LATEST  LABELS',
        'azi     0.1.0   version=0.1.0,name=Azure Infrastructure,short=AZI,kind=infrastructure,provider=azure',
        'kafka   0.2.0   kind=streaming',
      ].join('\n'),
    );
  });

  it('wraps the widest column to fit the width, after commas and spaces', () => {
    const text = table(rows, { width: 50 });
    expect(text).toBe(
      [
        'MODULE  LATEST  LABELS',
        'azi     0.1.0   version=0.1.0,name=Azure',
        '                Infrastructure,short=AZI,',
        '                kind=infrastructure,provider=azure',
        'kafka   0.2.0   kind=streaming',
      ].join('\n'),
    );
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(50);
  });

  it('narrows the widest columns first, never below their heading', () => {
    const wide = [
      ['NAME', 'MISSING COMPANIONS', 'NEWER'],
      ['a'.repeat(30), 'b'.repeat(30), 'c'.repeat(30)],
    ];
    const lines = table(wide, { width: 60 }).split('\n');
    expect(lines[0]).toMatch(/^NAME {16,}MISSING COMPANIONS {2,}NEWER$/);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(60);
    // every character is still there
    const cells = lines.slice(1).join('');
    for (const c of 'abc') expect(cells.split(c).length - 1).toBe(30);
  });

  it('takes the width of the terminal stdout is, and none when it is a pipe', () => {
    const { isTTY, columns } = process.stdout;
    const set = (tty: boolean, width: number) => Object.assign(process.stdout, { isTTY: tty, columns: width });
    try {
      set(true, 50);
      expect(table(rows)).toBe(table(rows, { width: 50 }));
      set(false, 50);
      expect(table(rows)).toBe(table(rows, { width: undefined }));
    } finally {
      set(isTTY, columns);
    }
  });
});
