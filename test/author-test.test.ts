import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { e, ROOT } from './support/run-e.js';

/** The example modules that ship test cases (hello only proves the image pipeline). */
const MODULES = (await readdir(join(ROOT, 'modules'), { withFileTypes: true }))
  // hello proves the image pipeline; the downloader manages nothing (test/downloader.test.ts runs it)
  .filter((d) => d.isDirectory() && d.name !== 'hello' && d.name !== 'downloader')
  .map((d) => d.name)
  .sort();

async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

describe('e module test DIR runs the declarative cases against the real image (linux/amd64)', () => {
  it('finds the example modules', () => {
    expect(MODULES).toEqual(['awsi', 'azi', 'kafka', 'kubernetes', 'logging', 'monitoring', 'postgresql', 'rook']);
  });

  it.each(MODULES)('every case of %s passes', async (name) => {
    const cases = (await readdir(join(ROOT, 'modules', name, 'tests'))).filter((f) => f.endsWith('.yml'));
    const result = await e(['module', 'test', `modules/${name}`, '--platform', 'linux/amd64']);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    // one line per case and version; every case runs at least once
    for (const file of cases) expect(result.stdout).toContain(`PASS  ${file.replace(/\.yml$/, '')} `);
    expect(result.stdout).not.toContain('FAIL');
    expect(result.stdout).toMatch(new RegExp(`^${name}: \\d+ passed, 0 failed on linux/amd64$`, 'm'));
  });

  it('takes the tests directory too, one version, and prints json', async () => {
    const result = await e(['module', 'test', 'modules/kafka/tests', '--version', '0.2.0', '-o', 'json']);
    expect(result.exitCode, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as {
      module: string;
      versions: { version: string }[];
      failed: number;
      passed: number;
    };
    expect(report).toMatchObject({ module: 'kafka', failed: 0 });
    expect(report.versions.map((v) => v.version)).toEqual(['0.2.0']);
    expect(report.passed).toBeGreaterThan(5);
  });

  it('tests an image that is not in the repository with --image', async () => {
    const result = await e([
      'module',
      'test',
      'modules/logging',
      '--image',
      'localhost:5000/modules/logging:0.1.0-amd64',
    ]);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain('logging 0.1.0: localhost:5000/modules/logging:0.1.0-amd64 (linux/amd64)');
  });

  it('reports a failing case with the path, the expected and the actual value, and exits 1; the shared dirs are gone', async () => {
    const dir = join(await tempDir('e-author-broken-'), 'azi');
    await cp(join(ROOT, 'modules/azi/tests'), join(dir, 'tests'), { recursive: true });
    const file = join(dir, 'tests/walkthrough-init-apply.yml');
    const text = await readFile(file, 'utf8');
    expect(text).toContain('size: 5');
    await writeFile(file, text.replace(/size: 5/g, 'size: 4'));
    const before = await leftovers();
    const result = await e(['module', 'test', dir]);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/^ {2}FAIL {2}walkthrough-init-apply /m);
    expect(result.stdout).toContain('state.yml: azi.size: expected 4, got 5');
    expect(result.stdout).toMatch(/^ {2}PASS {2}plan-is-idempotent /m);
    expect(result.stdout).toMatch(/^azi: \d+ passed, 1 failed on linux\/amd64$/m);
    expect(result.stderr).toBe('');
    expect(await leftovers()).toEqual(before);
  });

  it.each([
    [['module', 'test', 'no/such/dir'], 'e: no/such/dir is not a directory.'],
    [['module', 'test', 'packages'], 'e: packages has no tests directory with test cases.'],
    [['module', 'test', 'modules/kafka', '--version', '9.9.9'], 'e: ./repository.yml has no version 9.9.9 of kafka.'],
    [['module', 'test', 'modules/kafka', '--timeout', 'soon'], 'e: --timeout "soon" is not a duration'],
  ])('refuses bad input in one sentence: %j', async (args, message) => {
    const result = await e(args);
    expect(result.exitCode).toBe(1);
    expect(result.stderr.startsWith(message), result.stderr).toBe(true);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('says which case file is invalid, with its position', async () => {
    const dir = join(await tempDir('e-author-invalid-'), 'logging');
    await cp(join(ROOT, 'modules/logging/tests'), join(dir, 'tests'), { recursive: true });
    await writeFile(join(dir, 'tests/typo.yml'), 'run: {command: init}\nexpect:\n  exitCode: 0\n  stat: {}\n');
    const result = await e(['module', 'test', dir]);
    expect(result.exitCode).toBe(1);
    // like a repository error: file:line:col, the field path, what is wrong and a guess
    expect(result.stderr).toContain('tests/typo.yml:4:3 expect.stat: unknown field "stat" — did you mean "state"?');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});

async function leftovers(): Promise<string[]> {
  return (await readdir(tmpdir())).filter((n) => n.startsWith('e-module-test-')).sort();
}
