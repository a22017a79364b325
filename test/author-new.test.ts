import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it, onTestFinished } from 'vitest';
import { e, ROOT } from './support/run-e.js';

const exec = promisify(execFile);
/** Scaffolded where the image pipeline builds test-only modules (test/modules → localhost:5000/test-modules). */
const NAME = 'author-scaffold';
const DIR = join(ROOT, 'test/modules', NAME);

async function tempRepository(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'e-author-new-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'repository.yml');
  await copyFile(join(ROOT, 'repository.yml'), file);
  return file;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

describe('e module new', () => {
  it('scaffolds a module that the pipeline builds and that passes test and validate unchanged', async () => {
    onTestFinished(async () => {
      await rm(DIR, { recursive: true, force: true });
    });
    await rm(DIR, { recursive: true, force: true });
    const repository = await tempRepository();
    const before = await readFile(repository, 'utf8');

    const created = await e(['-r', repository, 'module', 'new', NAME, '--dir', 'test/modules', '--add-to-repository']);
    expect(created.exitCode, created.stderr).toBe(0);
    expect(created.stdout).toContain(`Created test/modules/${NAME} (node):`);
    expect((await readdir(DIR)).sort()).toEqual([
      '.dockerignore',
      '.gitignore',
      'Dockerfile',
      'README.md',
      'package.json',
      'src',
      'tests',
      'tsconfig.json',
    ]);
    expect(created.stdout).toContain(`e module build test/modules/${NAME} --push`);
    expect(created.stdout).not.toContain('build-images');
    const after = await readFile(repository, 'utf8');
    expect(after.startsWith(before)).toBe(true);
    expect(after.slice(before.length)).toContain(`image: localhost:5000/test-modules/${NAME}:0.1.0`);

    // the image pipeline builds modules of this repository with e module build's implementation
    const built = await exec(process.execPath, ['scripts/build-images.mjs', '--only', NAME], { cwd: ROOT });
    expect(built.stdout).toContain(`module test-modules/${NAME} (linux/amd64 + linux/arm64)`);
    // built here, or already built (same content hash) and only pushed to this registry, or cached
    expect(built.stdout).toMatch(new RegExp(`${NAME}:0\\.1\\.0 (built [02], pushed [02]|cached)`));

    const tested = await e(['-r', repository, 'module', 'test', `test/modules/${NAME}`]);
    expect(tested.exitCode, tested.stdout + tested.stderr).toBe(0);
    expect(tested.stdout).toContain(`${NAME}: 3 passed, 0 failed on linux/amd64`);

    const validated = await e(['-r', repository, 'module', 'validate', NAME]);
    expect(validated.exitCode, validated.stdout + validated.stderr).toBe(0);
    expect(validated.stdout).toContain(
      `mocked state: test/modules/${NAME}/tests/init-writes-config.yml (conformance case)`,
    );
    expect(validated.stdout).toContain(`${NAME} 0.1.0 conforms: 11 checks passed.`);
  });

  it('prints the entry without touching the repository when not asked to add it', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'e-author-new-dir-'));
    onTestFinished(() => rm(parent, { recursive: true, force: true }));
    const repository = await tempRepository();
    const before = await readFile(repository, 'utf8');
    const result = await e(['-r', repository, 'module', 'new', 'greeter', '--dir', parent, '--version', '1.2.0']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain('Add this entry under components: of');
    expect(result.stdout).toContain('  - name: greeter\n');
    expect(result.stdout).toContain('        image: localhost:5000/modules/greeter:1.2.0\n');
    expect(await readFile(repository, 'utf8')).toBe(before);
    expect(JSON.parse(await readFile(join(parent, 'greeter/package.json'), 'utf8'))).toMatchObject({
      name: '@e-modules/greeter',
      version: '1.2.0',
    });
  });

  it.each([
    [['module', 'new', 'Bad_Name'], 'e: "Bad_Name" is not a module name'],
    [
      ['module', 'new', 'kafka'],
      `e: ${join(ROOT, 'modules/kafka')} already exists, and e module new does not overwrite anything.`,
    ],
    [['module', 'new', 'greeter', '--version', '1.0'], 'e: --version "1.0" is not a semantic version such as 0.1.0.'],
  ])('refuses %j in one sentence and creates nothing', async (args, message) => {
    const result = await e(args);
    expect(result.exitCode).toBe(1);
    expect(result.stderr.startsWith(message), result.stderr).toBe(true);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(await exists(join(ROOT, 'modules/greeter'))).toBe(false);
  });

  it('refuses to add a module the repository lists already, before writing any file', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'e-author-new-dir-'));
    onTestFinished(() => rm(parent, { recursive: true, force: true }));
    const repository = await tempRepository();
    const result = await e(['-r', repository, 'module', 'new', 'azi', '--dir', parent, '--add-to-repository']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(`already lists a module named azi.`);
    expect(await readdir(parent)).toEqual([]);
  });
});
