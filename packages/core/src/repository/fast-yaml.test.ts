import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
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
  ])('gives up on %s', (_, body) => {
    expect(same(doc(body))).toBeUndefined();
  });
});
