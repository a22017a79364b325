import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { repositorySchema } from './schema.js';
import { fitsRepositoryShape } from './shape-check.js';
import { readYaml } from './yaml-source.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const bad = fileURLToPath(new URL('./fixtures/bad/', import.meta.url));

const sample = `version: v1
kind: Repository
components:
  - name: kafka
    type: docker
    versions:
      - version: 0.2.0
        latest: true
        image: localhost:5000/modules/kafka:0.2.0
        images: {amd64: a, arm64: b}
        architectures: [amd64, arm64]
        workdir: /shared
        mounts: [/shared]
        labels: {version: 1.10, size: 5, enabled: true}
        requires:
          strong:
            - - {key: kind, operator: eq, values: [infrastructure]}
          weak:
            - - {key: kind, operator: Exists}
        influences:
          - - {key: kind, operator: in, values: [a, b]}
        requirements:
          images: [x, {image: y, architectures: [arm64]}]
          files:
            - {name: f.tgz, url: 'https://h/f.tgz', sha256: ${'a'.repeat(64)}, size: 10, architectures: [amd64]}
          packages: [{name: p, version: '1.0', os: debian-12, architectures: [amd64]}]
        commands:
          - {name: init, description: d, command: init, envs: {LOG: WARN}, args: [--x]}
        network: false
        capabilities: [NET_ADMIN, CAP_SYS_TIME]
        resources: {memory: 512Mi, pids: 256}
`;

type Tree = Record<string, unknown> | unknown[];

/** Every variant of `data` with one node replaced, removed, or given an unknown field. */
function* mutations(data: unknown): Generator<[change: string, variant: unknown]> {
  const replacements: unknown[] = [
    null,
    '',
    'X',
    'v1',
    'docker',
    'amd64',
    '/x',
    'in',
    'NET_RAW',
    '4Mi',
    '1Gi',
    1,
    6291456,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    true,
    [],
    ['x'],
    Object.create(null),
    { a: 'b' },
  ];
  const clone = (value: unknown): unknown => structuredClone(value);
  function* walk(node: unknown, path: (string | number)[]): Generator<(string | number)[]> {
    yield path;
    if (Array.isArray(node)) for (let i = 0; i < node.length; i++) yield* walk(node[i], [...path, i]);
    else if (node !== null && typeof node === 'object') {
      for (const key of Object.keys(node)) yield* walk((node as Record<string, unknown>)[key], [...path, key]);
    }
  }
  const at = (tree: unknown, path: (string | number)[]): Tree => {
    let node = tree;
    for (const segment of path) node = (node as Record<string | number, unknown>)[segment];
    return node as Tree;
  };
  for (const path of [...walk(data, [])]) {
    if (path.length === 0) continue;
    const parentPath = path.slice(0, -1);
    const last = path[path.length - 1]!;
    for (const replacement of replacements) {
      const copy = clone(data);
      (at(copy, parentPath) as Record<string | number, unknown>)[last] = clone(replacement);
      yield [`${path.join('.')} = ${String(JSON.stringify(replacement))}`, copy];
    }
    const removed = clone(data);
    const parent = at(removed, parentPath);
    if (Array.isArray(parent)) parent.splice(last as number, 1);
    else delete parent[last as string];
    yield [`${path.join('.')} removed`, removed];
    const node = at(clone(data), path);
    if (node !== null && typeof node === 'object' && !Array.isArray(node)) {
      const extended = clone(data);
      (at(extended, path) as Record<string, unknown>).unknown = 'x';
      yield [`${path.join('.')}.unknown added`, extended];
    }
  }
}

const zodAccepts = (data: unknown): boolean => repositorySchema().safeParse(data).success;

describe('fitsRepositoryShape', () => {
  it('accepts the example repository.yml', () => {
    expect(fitsRepositoryShape(readYaml(readFileSync(`${root}repository.yml`, 'utf8')).data)).toBe(true);
  });

  it.each(readdirSync(bad).sort())('accepts %s only if zod does', (file) => {
    const { data } = readYaml(readFileSync(`${bad}${file}`, 'utf8'));
    if (fitsRepositoryShape(data)) expect(zodAccepts(data)).toBe(true);
  });

  it('agrees with zod on every one-node change of a complete document', () => {
    const data = readYaml(sample).data;
    expect(fitsRepositoryShape(data)).toBe(true);
    let checked = 0;
    const disagreements: string[] = [];
    for (const [change, variant] of mutations(data)) {
      checked++;
      const fits = fitsRepositoryShape(variant);
      if (fits === zodAccepts(variant)) continue;
      // json-logic rules (maps among the values) are left to zod: refusing them is only slower
      if (!fits && /\.values\.\d+ = \{/.test(change)) continue;
      disagreements.push(`${change}: ${fits ? 'accepted' : 'refused'}`);
    }
    expect(disagreements).toEqual([]);
    expect(checked).toBeGreaterThan(1000);
  });
});
