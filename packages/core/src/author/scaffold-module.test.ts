import { readFileSync } from 'node:fs';
import { parseCase } from '@e/module-sdk';
import { describe, expect, it } from 'vitest';
import { parseRepository } from '../repository/parse-repository.js';
import { checkModuleName, scaffoldModule } from './scaffold-module.js';
import { withEntry } from './write-scaffold.js';

const repositoryText = readFileSync(new URL('../../../../repository.yml', import.meta.url), 'utf8');
const scaffold = scaffoldModule({ name: 'my-mod', version: '0.1.0', image: 'localhost:5000/modules/my-mod:0.1.0' });

describe('checkModuleName', () => {
  it.each(['greeter', 'my-mod', 'a1'])('accepts %s', (name) => {
    expect(checkModuleName(name)).toBeUndefined();
  });
  it.each(['', 'My', '1abc', 'a_b', 'a-', 'e', '../x'])('refuses %j', (name) => {
    expect(checkModuleName(name)).toMatch(/module name|reserved/);
  });
});

describe('scaffoldModule', () => {
  it('writes the layout of docs/module-layout.md', () => {
    expect(Object.keys(scaffold.files).sort()).toEqual([
      'Dockerfile',
      'package.json',
      'src/index.ts',
      'tests/audit-finds-manual-change.yml',
      'tests/init-writes-config.yml',
      'tests/plan-is-idempotent.yml',
    ]);
    expect(JSON.parse(scaffold.files['package.json'] ?? '')).toMatchObject({
      name: '@e-modules/my-mod',
      type: 'module',
      e: { versions: ['0.1.0'] },
    });
    expect(scaffold.files['src/index.ts']).toContain('export const myMod = defineModule({');
  });

  it('writes valid test cases, exactly one of them the conformance case', () => {
    const cases = Object.entries(scaffold.files)
      .filter(([path]) => path.startsWith('tests/'))
      .map(([path, text]) => parseCase(text, path));
    expect(cases.filter((c) => c.conformance)).toHaveLength(1);
  });

  it('gives an entry that makes a valid repository with the module', () => {
    const next = withEntry(repositoryText, 'repository.yml', 'my-mod', scaffold.entry);
    expect(next.startsWith(repositoryText)).toBe(true);
    const parsed = parseRepository(next, 'repository.yml');
    const component = parsed.value?.components.find((c) => c.name === 'my-mod');
    expect(component?.versions[0]).toMatchObject({
      version: '0.1.0',
      latest: true,
      image: 'localhost:5000/modules/my-mod:0.1.0',
      labels: { version: '0.1.0', kind: 'example' },
    });
    expect(component?.versions[0]?.commands.map((c) => c.name)).toEqual([
      'metadata',
      'init',
      'plan',
      'apply',
      'audit',
      'destroy',
    ]);
  });
});

describe('withEntry', () => {
  it('refuses a module that is listed already', () => {
    expect(() =>
      withEntry(repositoryText, 'repository.yml', 'kafka', scaffold.entry.replaceAll('my-mod', 'kafka')),
    ).toThrow('repository.yml already lists a module named kafka.');
  });

  it('refuses a file whose components is not the last block list', () => {
    const text = 'components:\n  - name: a\n    type: docker\n    versions: []\nversion: v1\nkind: Repository\n';
    expect(() => withEntry(text, 'r.yml', 'my-mod', scaffold.entry)).toThrow(/does not end with a block list/);
  });

  it('follows the indentation of the existing items', () => {
    const text =
      'version: v1\nkind: Repository\ncomponents:\n- name: hello\n  type: docker\n  versions:\n  - version: "0.1.0"\n    image: r/hello:0.1.0\n    commands:\n' +
      ['metadata', 'init', 'plan', 'apply', 'audit'].map((c) => `    - {name: ${c}, command: ${c}}\n`).join('');
    const next = withEntry(text, 'r.yml', 'my-mod', scaffold.entry);
    expect(next).toContain('\n- name: my-mod\n  type: docker\n');
    expect(parseRepository(next, 'r.yml').value?.components.map((c) => c.name)).toEqual(['hello', 'my-mod']);
  });
});
