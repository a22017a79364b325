import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

// These run the built CLI (npx tsc -b first), as a user would.
const root = fileURLToPath(new URL('../../../../', import.meta.url));
const bin = join(root, 'packages/cli/bin/e.js');
const bad = join(root, 'packages/core/src/repository/fixtures/bad');
const STACK = /^\s+at .+\(?.*:\d+:\d+\)?$/m;

function e(...args: string[]) {
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const modules = (entries: [name: string, labels: string, latest?: boolean][]) =>
  `version: v1
kind: Repository
components:
${entries
  .map(
    ([name, labels]) => `  - name: ${name}
    type: docker
    versions:
      - version: 0.1.0
        image: localhost:5000/modules/${name}:0.1.0
        labels: {${labels}}
        commands: [{name: metadata, command: metadata}, {name: init, command: init}, {name: plan, command: plan}, {name: apply, command: apply}, {name: audit, command: audit}]
      - version: 0.2.0
        latest: true
        image: localhost:5000/modules/${name}:0.2.0
        labels: {${labels}, generation: 2}
        commands: [{name: metadata, command: metadata}, {name: init, command: init}, {name: plan, command: plan}, {name: apply, command: apply}, {name: audit, command: audit}]
`,
  )
  .join('')}`;

describe('e repo (built CLI)', () => {
  it('runs the built CLI (build it first with npx tsc -b)', () => {
    expect(existsSync(join(root, 'packages/cli/dist/main.js'))).toBe(true);
  });

  let dir: string;
  let repo: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'e-repo-cli-'));
    repo = join(dir, 'repository.yml');
    writeFileSync(
      repo,
      modules([
        ['azi', 'kind: infrastructure, provider: azure'],
        ['awsi', 'kind: infrastructure, provider: aws'],
        ['azmon', 'kind: monitoring, provider: azure'],
        ['kafka', 'kind: stream-processor'],
      ]),
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('validate: exit 1 on a bad file, with the position of every problem and no stack trace', () => {
    const file = join(bad, '32-design-document-stray-commas.yml.txt');
    const { code, stdout, stderr } = e('repo', 'validate', file);
    expect(code).toBe(1);
    expect(stdout).toContain(
      `${file}:15:22 components[0].versions[0].requires.strong[0][1].key: invalid label key "provider,"`,
    );
    expect(stdout).toContain(
      `${file}:16:27 components[0].versions[0].requires.strong[0][1].operator: unknown operator "in," — did you mean "in"?`,
    );
    expect(stdout).toContain('is invalid: 2 errors');
    expect(`${stdout}${stderr}`).not.toMatch(STACK);
  });

  it('validate: exit 1 on broken YAML, with the position', () => {
    const file = join(bad, '01-tab-indentation.yml.txt');
    const { code, stdout, stderr } = e('repo', 'validate', file);
    expect(code).toBe(1);
    expect(stdout).toContain(`${file}:6:1: a tab is used for indentation`);
    expect(`${stdout}${stderr}`).not.toMatch(STACK);
  });

  it('validate -o json gives every problem as data', () => {
    const { code, stdout } = e('repo', 'validate', join(bad, '14-two-latest.yml.txt'), '-o', 'json');
    expect(code).toBe(1);
    const report = JSON.parse(stdout);
    expect(report.valid).toBe(false);
    expect(report.problems[0]).toMatchObject({
      line: 12,
      col: 17,
      path: 'components[0].versions[1].latest',
      severity: 'error',
    });
  });

  it('validate: exit 0 on the example repository.yml', () => {
    const { code, stdout } = e('repo', 'validate', 'repository.yml');
    expect(stdout).toMatch(/^repository\.yml is valid/m);
    expect(code).toBe(0);
  });

  it('validate: a missing file is one clear sentence, exit 1, no stack', () => {
    const { code, stderr } = e('repo', 'validate', join(dir, 'nope.yml'));
    expect(code).toBe(1);
    expect(stderr).toContain('cannot read the repository file');
    expect(stderr).not.toMatch(STACK);
  });

  it("search 'kind in (infrastructure),provider=azure' lists the matching versions", () => {
    const { code, stdout } = e('-r', repo, 'repo', 'search', 'kind in (infrastructure),provider=azure');
    expect(code).toBe(0);
    expect(stdout.trim().split('\n')).toEqual([
      'MODULE  VERSION  LATEST  LABELS',
      'azi     0.2.0    yes     kind=infrastructure,provider=azure,generation=2',
      'azi     0.1.0            kind=infrastructure,provider=azure',
    ]);
  });

  it('search --latest -o json', () => {
    const { stdout } = e('-r', repo, '-o', 'json', 'repo', 'search', '--latest', 'kind=infrastructure');
    expect(
      JSON.parse(stdout).map((hit: { module: string; version: string }) => `${hit.module}@${hit.version}`),
    ).toEqual(['awsi@0.2.0', 'azi@0.2.0']);
  });

  it('search with a bad selector: exit 1, the column, no stack', () => {
    const { code, stderr } = e('-r', repo, 'repo', 'search', 'x=a||y=b');
    expect(code).toBe(1);
    expect(stderr).toContain('invalid selector "x=a||y=b" at column 4: unexpected "|"');
    expect(stderr).not.toMatch(STACK);
  });

  it('show: network, capabilities and limits, marking the defaults, in text, json and yaml', () => {
    const file = join(dir, 'access.yml');
    writeFileSync(
      file,
      modules([['calc', 'kind: example']]).replace(
        'image: localhost:5000/modules/calc:0.2.0\n',
        'image: localhost:5000/modules/calc:0.2.0\n        network: false\n        resources: {memory: 256Mi}\n',
      ),
    );
    const text = e('-r', file, 'repo', 'show', 'calc');
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('network: off\ncapabilities: none (default)\nmemory: 256Mi\npids: 512 (default)\n');
    const access = {
      network: false,
      capabilities: [],
      memoryBytes: 256 * 1024 * 1024,
      pids: 512,
      defaults: ['capabilities', 'pids'],
    };
    expect(JSON.parse(e('-r', file, '-o', 'json', 'repo', 'show', 'calc').stdout).access).toEqual(access);
    expect(parse(e('-r', file, '-o', 'yaml', 'repo', 'show', 'calc').stdout).access).toEqual(access);
    const old = JSON.parse(e('-r', file, '-o', 'json', 'repo', 'show', 'calc@0.1.0').stdout);
    expect(old.access).toEqual({
      network: true,
      capabilities: [],
      memoryBytes: 1024 ** 3,
      pids: 512,
      defaults: ['network', 'capabilities', 'memoryBytes', 'pids'],
    });
    expect(e('-r', file, 'repo', 'show', 'calc@0.1.0').stdout).toContain('network: on (default)\n');
  });

  it('show: the requirements, each on a line, per-architecture ones marked', () => {
    const text = e('-r', join(root, 'repository.yml'), 'repo', 'show', 'monitoring').stdout;
    expect(text).toContain('requirements (images):\n  - localhost:5000/vendor/prometheus:2.19.0\n');
    expect(text).toMatch(/^ {2}- node_exporter-1\.0\.1\.linux-arm64\.tar\.gz http:\/\/\S+ \(arm64 only\)$/m);
    const kubernetes = e('-r', join(root, 'repository.yml'), 'repo', 'show', 'kubernetes').stdout;
    expect(kubernetes).toContain('requirements (packages):\n  - containerd 1.6.20~ds1-1+b1 (debian-12)\n');
  });

  it('list, show and schema', () => {
    expect(e('-r', repo, 'repo', 'list').stdout).toContain('azi     0.2.0   0.2.0,0.1.0');
    const shown = JSON.parse(e('-r', repo, '-o', 'json', 'repo', 'show', 'awsi@0.1.0').stdout);
    expect(shown).toMatchObject({ name: 'awsi', version: '0.1.0', latest: false, labels: { provider: 'aws' } });
    const missing = e('-r', repo, 'repo', 'show', 'azj');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('did you mean "azi"?');
    const schema = e('repo', 'schema');
    expect(JSON.parse(schema.stdout)).toEqual(
      JSON.parse(readFileSync(join(root, 'docs/repository.schema.json'), 'utf8')),
    );
  });

  it('other commands refuse an invalid repository, listing its problems', () => {
    const { code, stderr } = e('-r', join(bad, '12-duplicate-component.yml.txt'), 'repo', 'list');
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /is not a valid repository file \(1 error\):\n.*:11:11 components\[1\]\.name: duplicate component "kafka"/,
    );
    expect(stderr).not.toMatch(STACK);
  });
});
