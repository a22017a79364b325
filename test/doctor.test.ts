import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { e, ROOT, tempShared } from './support/run-e.js';

const REPOSITORY = join(ROOT, 'repository.yml');

interface Check {
  check: string;
  status: 'ok' | 'warn' | 'fail';
  detail: string;
  fix?: string;
}

describe('e doctor', () => {
  it('on the test bed: every check passes, one line each, the same checks as data with -o json', async () => {
    const shared = tempShared();
    const text = await e(['-r', REPOSITORY, '-s', shared, 'doctor']);
    expect(text.exitCode, text.stderr).toBe(0);
    const lines = text.stdout.trim().split('\n');
    expect(lines.map((l) => l.split(/\s+/).slice(0, 2).join(' '))).toEqual([
      'ok e.yml',
      'ok repository',
      'ok engine',
      'ok emulation',
      'ok registry',
      'ok state',
      'ok lock',
    ]);
    expect(text.stdout).toMatch(/engine\s+local at unix:\/\/\/var\/run\/docker\.sock, linux\/amd64/);
    expect(text.stdout).toMatch(/registry\s+localhost:5000 answers/);

    const json = await e(['-r', REPOSITORY, '-s', shared, 'doctor', '-o', 'json']);
    const document = JSON.parse(json.stdout) as { ok: boolean; checks: Check[] };
    expect(document.ok).toBe(true);
    expect(document.checks.map((c) => c.check)).toEqual([
      'e.yml',
      'repository',
      'engine',
      'emulation',
      'registry',
      'state',
      'lock',
    ]);
  });

  it('exits 1 when something needed fails, with a fix on each failing line: an unreachable engine, a bad e.yml, a registry that does not answer', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'e-doctor-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const repository = join(dir, 'repository.yml');
    copyFileSync(REPOSITORY, repository);
    writeFileSync(join(dir, 'e.yml'), 'output: text\nstat: postgres://e@db/e\n');
    const result = await e(['-r', repository, '-s', join(dir, 'shared'), '--engine', 'tcp://127.0.0.1:1', 'doctor']);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(
      /^fail\s+e\.yml\s+.*e\.yml:2:1 stat: unknown setting "stat"; fix: did you mean state\?$/m,
    );
    expect(result.stdout).toMatch(
      /^fail\s+engine\s+No Docker engine answers at DOCKER_HOST=tcp:\/\/127\.0\.0\.1:1.*; fix: /m,
    );
    expect(result.stderr).toContain("2 of e doctor's checks failed: e.yml, engine.");

    writeFileSync(join(dir, 'e.yml'), 'output: json\n');
    writeFileSync(
      repository,
      (await import('node:fs'))
        .readFileSync(REPOSITORY, 'utf8')
        .replaceAll('localhost:5000/modules/hello', '127.0.0.1:1/modules/hello'),
    );
    const registry = await e(['-r', repository, '-s', join(dir, 'shared'), 'doctor']);
    expect(registry.exitCode).toBe(1);
    const document = JSON.parse(registry.stdout) as { ok: false; error: { code: string }; result: { checks: Check[] } };
    expect(document.error.code).toBe('E_DOCTOR_FAILED');
    const failed = document.result.checks.filter((c) => c.status === 'fail');
    expect(failed).toHaveLength(1);
    expect(failed[0]?.detail).toMatch(/^127\.0\.0\.1:1 \(127\.0\.0\.1:1\/modules\/hello:0\.1\.0\): /);
    expect(failed[0]?.fix).toMatch(/make sure 127\.0\.0\.1:1 runs/);

    const state = await e([
      '-r',
      REPOSITORY,
      '-s',
      join(dir, 'shared'),
      '--state',
      'postgres://e@127.0.0.1:1/e',
      'doctor',
    ]);
    expect(state.exitCode).toBe(1);
    expect(state.stdout).toMatch(/^fail\s+state\s+.*127\.0\.0\.1:1.*; fix: check --state/m);
  });
});
