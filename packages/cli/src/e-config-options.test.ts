import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { runMain } from './test-support/run-main.js';

const REPOSITORY = fileURLToPath(new URL('../../../repository.yml', import.meta.url));
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  delete process.env.E_REPOSITORY;
});

/** A directory with a copy of the repository file and `e.yml` next to it. */
function team(eYml: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'e-config-'));
  dirs.push(dir);
  copyFileSync(REPOSITORY, join(dir, 'repository.yml'));
  writeFileSync(join(dir, 'e.yml'), eYml);
  return join(dir, 'repository.yml');
}

describe('e.yml next to the repository file', () => {
  it('gives the output format when no -o does; the flag wins', async () => {
    const repository = team('output: json\n');
    const json = await runMain(['-r', repository, 'repo', 'list']);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toBeInstanceOf(Object);
    const text = await runMain(['-r', repository, '-o', 'text', 'repo', 'list']);
    expect(text.code).toBe(0);
    expect(() => JSON.parse(text.stdout)).toThrow();
  });

  it('is found next to E_REPOSITORY too, and its repository setting is relative to it', async () => {
    const repository = team('repository: ./repository.yml\noutput: yaml\n');
    process.env.E_REPOSITORY = repository;
    const yaml = await runMain(['repo', 'list']);
    expect(yaml.code, yaml.stderr).toBe(0);
    expect(yaml.stdout).toMatch(/^- name: hello/m);
  });

  it('refuses an invalid file in one sentence with its position, before the command runs', async () => {
    const repository = team('output: json\nplatfrom: linux/arm64\n');
    const bad = await runMain(['-r', repository, 'repo', 'list']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`${join(repository, '..', 'e.yml')}:2:1 platfrom: unknown setting "platfrom".`);
    expect(bad.stderr).toContain('did you mean platform?');
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });

  it('prefer: chooses among candidates for e module install; --prefer wins', async () => {
    const repository = team('prefer: [azi]\n');
    const shared = join(repository, '..', 'shared');
    const install = ['-r', repository, '-s', shared, 'module', 'install', 'kafka', '--with-deps', '--dry-run'];
    const chosen = await runMain(install);
    expect(chosen.code, chosen.stderr).toBe(0);
    expect(chosen.stdout).toContain('1. install azi 0.1.0');
    const flag = await runMain([...install, '--prefer', 'awsi']);
    expect(flag.code, flag.stderr).toBe(0);
    expect(flag.stdout).toContain('1. install awsi 0.1.0');
  });

  it('--engine must be an engine URL', async () => {
    const bad = await runMain(['--engine', 'docker.example.org', 'repo', 'list']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--engine "docker.example.org" is not a Docker engine URL.');
  });
});
