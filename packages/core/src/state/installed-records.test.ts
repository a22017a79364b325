import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { quickInstalled, quickRecord, readInstalled, recordSchema } from './installed-records.js';
import { parseStateText } from './state-file.js';

const base = { version: '0.1.0', status: 'applied', installedAt: '2024-05-01T10:00:00.000Z', updatedAt: 'u' };

// quickRecord must return exactly what the schema returns, or leave the value to the schema
const cases: [string, unknown][] = [
  ['minimal', base],
  ['numeric version', { ...base, version: 1.1 }],
  ['negative zero version', { ...base, version: -0 }],
  [
    'every field, keys out of order',
    { needsPlan: true, labels: { b: 1, a: 'x', c: false }, digest: 'd', platform: 'linux/arm64', ...base },
  ],
  ['unknown keys dropped', { ...base, extra: 3, more: { x: 1 } }],
  [
    'optional keys present but undefined',
    { ...base, digest: undefined, platform: undefined, labels: undefined, needsPlan: undefined },
  ],
  ['integer-like label keys', { ...base, labels: { '2': 'b', '1': 'a', z: 0 } }],
  ['__proto__ label key', { ...base, labels: JSON.parse('{"__proto__": 1, "k": 2}') }],
  ['infinite label', { ...base, labels: { x: Number.POSITIVE_INFINITY } }],
  ['NaN version', { ...base, version: Number.NaN }],
  ['null digest', { ...base, digest: null }],
  ['null labels', { ...base, labels: null }],
  ['array labels', { ...base, labels: [1] }],
  ['nested label', { ...base, labels: { a: { b: 1 } } }],
  ['string needsPlan', { ...base, needsPlan: 'yes' }],
  ['missing status', { version: '1', installedAt: 'i', updatedAt: 'u' }],
  ['boolean version', { ...base, version: true }],
  ['array', [base]],
  ['null', null],
  ['string', 'installed'],
];

describe('quickRecord', () => {
  it.each(cases)('agrees with the schema: %s', (_name, value) => {
    const quick = quickRecord(value);
    const parsed = recordSchema().safeParse(value);
    if (quick === undefined) {
      // left to the schema: only values it rejects, or odd ones it may accept
      return;
    }
    expect(parsed.success).toBe(true);
    expect(isDeepStrictEqual(quick, parsed.data)).toBe(true);
    expect(Object.keys(quick)).toEqual(Object.keys(parsed.data ?? {}));
    expect(Object.keys(quick.labels)).toEqual(Object.keys(parsed.data?.labels ?? {}));
  });

  it('reads every plainly valid record itself', () => {
    for (const name of ['minimal', 'numeric version', 'every field, keys out of order', 'unknown keys dropped']) {
      expect(quickRecord(cases.find(([n]) => n === name)?.[1])).toBeDefined();
    }
  });

  it('leaves every value the schema rejects to the schema', () => {
    for (const [, value] of cases) {
      if (!recordSchema().safeParse(value).success) expect(quickRecord(value)).toBeUndefined();
    }
  });
});

describe('quickInstalled', () => {
  const record = (labels: string) =>
    [
      '      version: 0.1.0',
      `      labels: ${labels}`,
      '      status: applied',
      '      installedAt: 2026-01-01T00:00:00.000Z',
      '      updatedAt: 2026-01-02T00:00:00.000Z',
      '      needsPlan: false',
    ].join('\n');
  const installed = (body: string) => `hello:\n  greeting: hello\ne:\n  installed:\n${body}\n`;

  /** readInstalled of the same text, through the YAML document, or the error it throws. */
  function slow(text: string): Record<string, unknown> | Error {
    const parsed = parseStateText(text);
    if (!parsed.ok) return new Error(parsed.problem);
    try {
      return readInstalled({ doc: parsed.doc, text, path: 'state.yml' });
    } catch (error) {
      return error as Error;
    }
  }

  const plain: [string, string][] = [
    ['no state', ''],
    ['only a comment', '# nothing yet\n'],
    ['no e section', 'hello:\n  greeting: hello\n'],
    ['no records', 'e:\n  other: 1\n'],
    ['empty records', 'e: {installed: {}}\n'],
    [
      'two records, in file order',
      installed(`    zoo:\n${record('{kind: example, name: Zoo}')}\n    azi:\n${record('{provider: azure, size: 3}')}`),
    ],
    ['a numeric version', installed(`    hello:\n${record('{}').replace('0.1.0', '1.10')}\n      drift: true`)],
    ['block labels', installed(`    hello:\n${record('\n        kind: example\n        big: true')}`)],
  ];

  it.each(plain)('reads a plain state itself, as readInstalled does: %s', (_name, text) => {
    const quick = quickInstalled(text);
    expect(quick).toBeDefined();
    expect(slow(text)).toStrictEqual(quick);
  });

  const others: [string, string][] = [
    ['a record without status', installed(`    hello:\n${record('{}').replace('      status: applied\n', '')}`)],
    ['a scalar e section', 'e: 5\n'],
    ['an empty installed', 'e:\n  installed:\n'],
    ['a list of records', 'e:\n  installed:\n    - hello\n'],
    ['a sequence for the state', '- hello\n'],
    ['a module name YAML reads as a number', installed(`    1.0:\n${record('{}')}`)],
    ['an anchor', installed(`    hello: &h\n${record('{}')}\n    again: *h`)],
    ['a duplicate module', installed(`    hello:\n${record('{}')}\n    hello:\n${record('{}')}`)],
    ['a multi-line scalar', `note: |\n  two\n  lines\n${installed(`    hello:\n${record('{}')}`)}`],
  ];

  it.each(others)('leaves anything else to readInstalled: %s', (_name, text) => {
    expect(quickInstalled(text)).toBeUndefined();
  });
});
