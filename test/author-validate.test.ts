import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { e, ROOT } from './support/run-e.js';

const MODULES = (await readdir(join(ROOT, 'modules'), { withFileTypes: true }))
  // hello proves the image pipeline; the downloader manages nothing (test/downloader.test.ts runs it)
  .filter((d) => d.isDirectory() && d.name !== 'hello' && d.name !== 'downloader')
  .map((d) => d.name)
  .sort();

const CHECKS = [
  'required commands are listed',
  'metadata equals the repository entry',
  'init exits 0',
  'plan after init exits 2 (changes)',
  'apply exits 0',
  'plan after apply exits 0 (idempotent)',
  'audit exits 0 (clean)',
  'writes only its own files',
];

interface Report {
  module: string;
  version: string;
  platform: string;
  mockedState: string;
  ok: boolean;
  checks: { name: string; status: string; details: string[] }[];
}

async function tempFile(name: string, text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'e-author-validate-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, name);
  await writeFile(file, text);
  return file;
}

describe('e module validate: the conformance suite against the real image', () => {
  it.each(MODULES)('%s conforms on linux/amd64, every version, with no arguments', async (name) => {
    const result = await e(['module', 'validate', name, '--platform', 'linux/amd64', '-o', 'json']);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    const { ok, reports } = JSON.parse(result.stdout) as { ok: boolean; reports: Report[] };
    expect(ok).toBe(true);
    expect(reports.length).toBeGreaterThan(0);
    for (const report of reports) {
      expect(report).toMatchObject({ module: name, platform: 'linux/amd64', ok: true });
      expect(report.mockedState).toMatch(new RegExp(`^modules/${name}/tests/.+\\.yml \\(conformance case\\)$`));
      expect(report.checks.map((c) => c.name)).toEqual(expect.arrayContaining(CHECKS));
      expect(report.checks.every((c) => c.status === 'pass')).toBe(true);
    }
  });

  it('kafka lists each check in text, and writes only kafka and azi', async () => {
    const result = await e(['module', 'validate', 'kafka@0.1.0']);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    for (const check of CHECKS) expect(result.stdout).toContain(`  PASS  ${check}`);
    expect(result.stdout).toContain('writes only its own and allowed sections (changed: kafka, azi; allowed: kafka,');
    expect(result.stdout).toContain('writes only its own files (written: kafka-config.yml, 3 files under kafka/)');
    expect(result.stdout).toContain('kafka 0.1.0 conforms: 11 checks passed.');
  });

  it('azi conforms on linux/arm64 under emulation', async () => {
    const result = await e(['module', 'validate', 'azi', '--platform', 'linux/arm64']);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain('azi 0.1.0 on linux/arm64: localhost:5000/modules/azi:0.1.0');
    expect(result.stdout).toContain('azi 0.1.0 conforms: 11 checks passed.');
  });

  it('fails when the repository entry differs from what the image says, naming the label', async () => {
    const text = await readFile(join(ROOT, 'repository.yml'), 'utf8');
    const broken = text.replace(
      'short: BMK, kind: stream-processor, core-technology: apache-kafka, provides-kafka: 2.5.1',
      'short: XYZ, kind: stream-processor, core-technology: apache-kafka, provides-kafka: 2.5.1',
    );
    expect(broken).not.toBe(text);
    const repository = await tempFile('repository.yml', broken);
    const result = await e(['-r', repository, 'module', 'validate', 'kafka', '--version', '0.1.0']);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain(
      '  FAIL  metadata equals the repository entry\n        labels.short: repository "XYZ", image "BMK"',
    );
    expect(result.stdout).toContain('kafka 0.1.0 does not conform: 1 of 11 checks failed or could not run.');
  });

  it('--state replaces the mocked state: kafka without infrastructure cannot init', async () => {
    const state = await tempFile('state.yml', 'logging: {status: applied}\n');
    const result = await e(['module', 'validate', 'kafka@0.1.0', '--state', state]);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain(`mocked state: ${state} (--state)`);
    expect(result.stdout).toMatch(/ {2}FAIL {2}init exits 0\n {8}init exited 1: .*infrastructure/);
    expect(result.stdout).toContain('  SKIP  apply exits 0\n        not run: init failed');
  });

  it('catches a module that writes a section it may not, and metadata that differs', async () => {
    // the runtime tests' misbehave module, with apply mapped to its mode that deletes another section
    const repository = await tempFile(
      'repository.yml',
      `version: v1
kind: Repository
components:
  - name: misbehave
    type: docker
    versions:
      - version: "0.1.0"
        image: localhost:5000/test-modules/misbehave:0.1.0
        workdir: /shared
        labels: {kind: test}
        commands:
          - {name: metadata, command: metadata}
          - {name: init, command: init}
          - {name: plan, command: plan}
          - {name: apply, command: apply, args: [delete-other]}
          - {name: audit, command: audit}
`,
    );
    const state = await tempFile('state.yml', 'azi: {status: applied}\n');
    const result = await e(['-r', repository, 'module', 'validate', 'misbehave', '--state', state, '-o', 'json']);
    expect(result.exitCode).toBe(1);
    const { ok, reports } = JSON.parse(result.stdout) as { ok: boolean; reports: Report[] };
    expect(ok).toBe(false);
    const failed = reports[0]?.checks.filter((c) => c.status === 'fail');
    expect(failed).toEqual([
      // it prints "misbehave metadata: ok": YAML, but without the labels of the entry
      {
        name: 'metadata equals the repository entry',
        status: 'fail',
        details: ['labels.kind: repository "test", image nothing'],
      },
      {
        name: 'writes only its own and allowed sections',
        status: 'fail',
        details: ['apply: misbehave deleted section azi'],
      },
    ]);
  });

  it.each([
    [['module', 'validate', 'kafak'], 'e: ./repository.yml has no module named "kafak".'],
    [
      ['module', 'validate', 'kafka', '--state', 'no/such/state.yml'],
      'e: Cannot read --state no/such/state.yml: ENOENT.',
    ],
    [
      ['module', 'validate', 'kafka@0.1.0', '--version', '0.2.0'],
      'e: kafka@0.1.0 and --version 0.2.0 name different versions.',
    ],
    [
      ['module', 'validate', 'kafka@0.1.0', '--platform', 'linux/s390x'],
      '  FAIL  image is available for the platform\n        kafka 0.1.0 cannot run on linux/s390x: the repository offers linux/amd64, linux/arm64.',
    ],
  ])('refuses bad input in one sentence: %j', async (args, message) => {
    const result = await e(args);
    expect(result.exitCode).toBe(1);
    expect(result.stdout + result.stderr).toContain(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
