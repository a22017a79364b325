import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCase, runCase } from '@e/module-sdk';
import { describe, expect, it, onTestFinished } from 'vitest';
import { parseRepository } from '../repository/parse-repository.js';
import { dockerfileArgDefault } from './module-project.js';
import { checkModuleName, scaffoldModule } from './scaffold-module.js';
import { prepareRepositoryAppend, withEntry } from './write-scaffold.js';

const repositoryText = readFileSync(new URL('../../../../repository.yml', import.meta.url), 'utf8');
const options = {
  name: 'my-mod',
  version: '0.1.0',
  image: 'localhost:5000/modules/my-mod:0.1.0',
  base: 'localhost:5000/e/base-node:0.1.0',
  sdk: '^0.1.0',
};
const scaffold = scaffoldModule(options);
const shell = scaffoldModule({ ...options, template: 'shell' });

describe('checkModuleName', () => {
  it.each(['greeter', 'my-mod', 'a1'])('accepts %s', (name) => {
    expect(checkModuleName(name)).toBeUndefined();
  });
  it.each(['', 'My', '1abc', 'a_b', 'a-', 'e', '../x'])('refuses %j', (name) => {
    expect(checkModuleName(name)).toMatch(/module name|reserved/);
  });
});

describe('scaffoldModule', () => {
  it('writes a standalone Node project of docs/module-layout.md', () => {
    expect(Object.keys(scaffold.files).sort()).toEqual([
      '.dockerignore',
      '.gitignore',
      'Dockerfile',
      'README.md',
      'package.json',
      'src/index.ts',
      'tests/audit-finds-manual-change.yml',
      'tests/init-writes-config.yml',
      'tests/plan-is-idempotent.yml',
      'tsconfig.json',
    ]);
    expect(JSON.parse(scaffold.files['package.json'] ?? '')).toMatchObject({
      name: '@e-modules/my-mod',
      type: 'module',
      e: { versions: ['0.1.0'] },
      dependencies: { '@e/module-sdk': '^0.1.0' },
    });
    expect(scaffold.files['src/index.ts']).toContain('export const myMod = defineModule({');
    expect(scaffold.files.Dockerfile).toContain('COPY dist/module.mjs /module/module.mjs');
    expect(scaffold.files['.dockerignore']).toContain('\n*\n!dist/module.mjs\n');
  });

  it('writes a shell project: a Dockerfile, module.sh, the same cases and a README', () => {
    expect(Object.keys(shell.files).sort()).toEqual([
      '.dockerignore',
      'Dockerfile',
      'README.md',
      'module.sh',
      'tests/audit-finds-manual-change.yml',
      'tests/init-writes-config.yml',
      'tests/plan-is-idempotent.yml',
    ]);
    expect(shell.files['module.sh']).toContain(
      `MODULE=\${E_MODULE:-my-mod}\nVERSION=\${E_MODULE_IMAGE_VERSION:-0.1.0}\n`,
    );
    expect(shell.files['module.sh']).not.toMatch(/__NAME__|__VERSION__/);
    expect(shell.files.Dockerfile).toContain('ENTRYPOINT ["/bin/sh", "/module/module.sh"]');
  });

  it.each([
    ['node', scaffold],
    ['shell', shell],
  ])('gives the %s Dockerfile a BASE and a MODULE_VERSION that work without build arguments', (_, made) => {
    expect(dockerfileArgDefault(made.files.Dockerfile ?? '', 'BASE')).toBe('localhost:5000/e/base-node:0.1.0');
    expect(dockerfileArgDefault(made.files.Dockerfile ?? '', 'MODULE_VERSION')).toBe('0.1.0');
  });

  it('writes valid test cases, exactly one of them the conformance case', () => {
    const cases = Object.entries(scaffold.files)
      .filter(([path]) => path.startsWith('tests/'))
      .map(([path, text]) => parseCase(text, path));
    expect(cases.filter((c) => c.conformance)).toHaveLength(1);
  });

  // the image runs this script with Debian's sh (dash); the host's sh stands in for it here
  it.each(Object.keys(shell.files).filter((path) => path.startsWith('tests/')))(
    'the shell module passes %s with sh',
    async (path) => {
      const work = await mkdtemp(join(tmpdir(), 'e-shell-template-'));
      onTestFinished(() => rm(work, { recursive: true, force: true }));
      const script = join(work, 'module.sh');
      await writeFile(script, shell.files['module.sh'] ?? '');
      const shared = join(work, 'shared');
      const outcome = await runCase(parseCase(shell.files[path] ?? '', path), {
        shared,
        run: (step) =>
          new Promise((resolve) => {
            execFile(
              'sh',
              [script, step.command, ...step.args],
              { env: { PATH: process.env.PATH, E_SHARED: shared, E_MODULE: 'my-mod', ...step.env } },
              (error, stdout, stderr) =>
                resolve({ exitCode: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
            );
          }),
      });
      expect(outcome.failures).toEqual([]);
    },
  );

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

describe('prepareRepositoryAppend', () => {
  it('creates a missing repository file with the entry, and refuses a second module of that name', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'e-new-repository-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'repository.yml');
    await (await prepareRepositoryAppend(file, 'my-mod', scaffold.entry))();
    const text = await readFile(file, 'utf8');
    expect(text.startsWith('version: v1\nkind: Repository\ncomponents:\n  - name: my-mod\n')).toBe(true);
    expect(parseRepository(text, file).value?.components.map((c) => c.name)).toEqual(['my-mod']);
    await expect(prepareRepositoryAppend(file, 'my-mod', scaffold.entry)).rejects.toThrow(
      `${file} already lists a module named my-mod.`,
    );
  });
});
