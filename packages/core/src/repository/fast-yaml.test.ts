import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { fastReadYaml } from './fast-yaml.js';
import { readYaml } from './yaml-source.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const bad = fileURLToPath(new URL('./fixtures/bad/', import.meta.url));

/** The yaml library's data with ordinary objects for its null-prototype maps, as the fast reader makes them. */
function ordinary(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(ordinary);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = ordinary(item);
  return out;
}

/** The fast reader must give exactly what the yaml library gives (maps aside), or give up. */
function same(text: string): unknown {
  const fast = fastReadYaml(text);
  const slow = readYaml(text);
  if (fast !== undefined) {
    expect(slow.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(fast).toStrictEqual(ordinary(slow.data));
  }
  return fast;
}

const doc = (versionBody: string) => `version: v1
kind: Repository
components:
  - name: kafka # the broker
    type: docker
    versions:
      - version: 0.1.0
${versionBody}`;

describe('fastReadYaml', () => {
  it('reads the example repository.yml (and agrees with the yaml library)', () => {
    expect(same(readFileSync(`${root}repository.yml`, 'utf8'))).toBeDefined();
  });

  it.each(readdirSync(bad).sort())('agrees with the yaml library or gives up on %s', (file) => {
    same(readFileSync(`${bad}${file}`, 'utf8'));
  });

  it.each([
    [
      'numbers and versions',
      '        labels: {a: 1.10, b: 5, c: 0x1F, d: -0, e: 1e3, f: .5, g: +3, h: 0o17, i: .inf, j: 2.50, k: 007}\n',
    ],
    [
      'booleans and nulls',
      '        latest: True\n        labels: {a: true, b: FALSE, c: ~, d: null, e: "true", f: yes}\n',
    ],
    [
      'values as strings',
      "        influences:\n          - - {key: a, operator: in, values: [1.10, true, '2', \"x y\", 'it''s', null]}\n",
    ],
    [
      'block lists of lists',
      '        requires:\n          strong:\n            - - key: kind\n                operator: eq\n                values:\n                  - 1.10\n              - key: b\n                operator: Exists\n',
    ],
    ['a list at the key indent', '        mounts:\n        - /shared\n        - /x # comment\n'],
    [
      'empty values',
      '        workdir:\n        mounts: []\n        labels: {}\n        requirements: {images: [], files: }\n',
    ],
    [
      'colons in scalars',
      '        image: localhost:5000/a/b:0.1.0\n        labels: {url: "http://x:1/y", t: a:b}\n        mounts: [a:b, "c: d"]\n',
    ],
    [
      'comments everywhere',
      '        # a comment\n\n        labels: # the labels\n          kind: db # the kind\n          x: "a # b"\n          y: a#b\n',
    ],
    [
      'envs and args',
      '        commands:\n          - {name: init, command: init, envs: {N: 3, B: false}, args: [--x, 5, -1]}\n',
    ],
    ['quoted keys', '        labels: {"a b": 1, \'c\': d}\n        "workdir": /x\n'],
    ['nested flow', '        labels: {a: [1, [2, {b: c}]], d: {e: {f: 1.10}}}\n'],
    ['windows line endings', '        image: x\r\n        labels: {a: b}\r\n'],
    ['trailing non-breaking spaces', '        image: x\u00a0\n        labels: {a: b\u00a0 , c: d\u00a0} # x\n'],
    ['unicode line separators in scalars', '        image: a\u2028b\n        labels: {a: b\u2029c, d: "e\u0085f"}\n'],
    ['spaces before colons and commas', '        image : x\n        labels: {a : b , c: [d , e]}\n'],
    ['a quoted key with a colon', '        labels: {"a:b": c, \'d: e\': f}\n        "x: y": z\n'],
    ['dashes and colons starting scalars', '        labels: {a: -1, b: --x, c: :d, d: -e}\n        mounts: [-x, :y]\n'],
    [
      'quantities as numbers, other scalars as text',
      '        network: false\n        capabilities: [NET_ADMIN, 1]\n        resources:\n          memory: 268435456\n          pids: 0x100\n',
    ],
    ['quantities in a flow map', '        resources: {memory: 512Mi, pids: 1.10, x: "5", y: ~, z: 1e3}\n'],
  ])('%s', (_, body) => {
    expect(same(doc(body))).toBeDefined();
  });

  it.each([
    ['anchors', '        labels: &l {a: b}\n        x: *l\n'],
    ['tags', '        image: !!str 1.10\n'],
    ['block scalars', '        image: |\n          x\n'],
    ['multi-line plain scalars', '        image: a\n          b\n'],
    ['escapes', '        image: "a\\tb"\n'],
    ['logic rules', '        influences:\n          - - {key: a, operator: logic, values: [{"==": [1, 1]}]}\n'],
    ['tabs', '\timage: x\n'],
    ['duplicate keys', '        image: x\n        image: y\n'],
    ['multi-line flow', '        labels: {a: b,\n          c: d}\n'],
    ['documents', '---\n'],
    ['trailing commas', '        mounts: [a, ]\n'],
    ['a mapping value on a key line', '        image: a: b\n'],
    ['a __proto__ key', '        labels:\n          __proto__: {a: b}\n'],
    ['a __proto__ key in a flow map', '        labels: {__proto__: x}\n'],
    ['a tab after a colon', '        image:\tx\n'],
    ['a tab inside a value', '        image: "a\tb"\n'],
    ['a comment right after a quote', "        image: 'x'#c\n"],
    ['a comment right after a flow collection', '        mounts: [/a]#c\n'],
    ['a block list inside a flow list', '        mounts: [- a]\n'],
    ['a lone dash inside a flow list', '        mounts: [-]\n'],
    ['a list item among map keys', '        image: x\n        - a: b\n'],
    ['an old Mac line end', '        image: x\r        workdir: /x\n'],
  ])('gives up on %s', (_, body) => {
    expect(same(doc(body))).toBeUndefined();
  });

  it('reads quantities as YAML numbers, and numbers elsewhere as their text', () => {
    const data = same(doc('        capabilities: [1]\n        resources: {memory: 268435456, pids: 0x100}\n')) as {
      components: { versions: Record<string, unknown>[] }[];
    };
    expect(data.components[0]?.versions[0]).toMatchObject({
      capabilities: ['1'],
      resources: { memory: 268435456, pids: 256 },
    });
  });

  it("reads any YAML file as plain data, as the yaml library's toJS does, with root 'json'", () => {
    const text = [
      'components: {versions: 1.10}',
      'kafka:',
      "  brokers: [1, 0x1f, 0o17, .inf, ~, true, \"2\", 'it''s']",
      '  nested:',
      '    - - a: 1.5e3',
      '      - null',
      '  version: 0.1.0',
      '',
    ].join('\n');
    const fast = fastReadYaml(text, 'json');
    expect(fast).toStrictEqual(parseDocument(text).toJS());
    expect(fast).toMatchObject({ components: { versions: 1.1 }, kafka: { version: '0.1.0' } });
    // keys are kept as written, so a key the yaml library reads as a number is left to it
    expect(parseDocument('1.0: a\n').toJS()).toStrictEqual({ '1': 'a' });
    expect(fastReadYaml('1.0: a\n', 'json')).toBeUndefined();
    expect(fastReadYaml('m: {0x10: a}\n', 'json')).toBeUndefined();
    expect(fastReadYaml('1.0: a\n')).toStrictEqual({ '1.0': 'a' });
  });

  it('resolves every kind of plain scalar as the yaml library does, block and flow', () => {
    // each first character that decides which of the core schema's expressions may match
    const scalars = [
      ...['~', 'null', 'Null', 'NULL', 'nul', 'nULL', 'none', 'N', 'n', 'Nope'],
      ...['true', 'True', 'TRUE', 'tRUE', 'truer', 't', 'T', 'Tru', 'false', 'False', 'FALSE', 'f', 'F', 'fAlse'],
      ...['0', '7', '007', '-0', '+3', '-1.5', '.5', '5.', '1e3', '1E-3', '-2.5e+2', '1.10', '0.1.0', '1-2'],
      ...['0x1F', '0x1f', '0X1F', '0x', '0xg', '0o17', '0o8', '0O17', '0b1', '09', '0.'],
      ...['.inf', '.Inf', '.INF', '-.inf', '+.Inf', '.iNF', '.nan', '.NaN', '.NAN', '-.nan', '.', '+', '+-1', '-x'],
      ...['2026-01-01T00:00:00.000Z', '2026-01-01', '12:30', 'Hello', 'ZZ', '_x', '$x', '(a)', '=1', '<x>'],
    ];
    const block = scalars.map((text, i) => `k${i}: ${text}`).join('\n');
    const flow = `all: [${scalars.join(', ')}]`;
    for (const text of [block, flow]) {
      const fast = fastReadYaml(`${text}\n`, 'json');
      expect(fast).toBeDefined();
      expect(fast).toStrictEqual(parseDocument(`${text}\n`).toJS());
    }
  });

  it('gives up on a byte order mark', () => {
    expect(same(`\ufeff${doc('        image: x\n')}`)).toBeUndefined();
  });

  // small random edits of the example file: whatever the fast reader accepts, the yaml library
  // must read the same way
  it('agrees with the yaml library on edited copies of the example file', () => {
    const example = readFileSync(`${root}repository.yml`, 'utf8');
    const pieces = [
      ' ',
      '  ',
      '\n',
      '- ',
      ': ',
      ':',
      ',',
      '[',
      ']',
      '{',
      '}',
      '#',
      ' #',
      '"',
      "'",
      "''",
      '\\',
      '-',
      '?',
      '&a',
      '*a',
      '!',
      '|',
      '>',
      '%',
      '@',
      '`',
      'null',
      '~',
      'true',
      '1.10',
      '0x1F',
      '\t',
      '\r',
      '\u00a0',
      '__proto__',
      'a: b',
      '---',
    ];
    let seed = 42;
    const random = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
      return seed % n;
    };
    let accepted = 0;
    for (let run = 0; run < 150; run++) {
      let text = example;
      for (let edit = 1 + random(3); edit > 0; edit--) {
        const at = random(text.length);
        const kind = random(3);
        if (kind === 0) text = text.slice(0, at) + pieces[random(pieces.length)]! + text.slice(at);
        else if (kind === 1) text = text.slice(0, at) + text.slice(at + 1 + random(3));
        else text = text.slice(0, at) + pieces[random(pieces.length)]! + text.slice(at + 1);
      }
      if (same(text) !== undefined) accepted++;
    }
    expect(accepted).toBeGreaterThan(20);
    // 150 files read twice: about 2 s alone, more than vitest's default 5 s on a busy machine
  }, 30_000);
});
