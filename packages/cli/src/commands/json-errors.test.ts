import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { buildProgram } from '../cli.js';
import { commandPath } from '../completion.js';
import { type MainResult, runMain } from '../test-support/run-main.js';

let dir: string;
let repository: string;
let shared: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'e-json-errors-'));
  repository = join(dir, 'repository.yml');
  shared = join(dir, 'shared');
  await mkdir(join(shared, '.e'), { recursive: true });
  await writeFile(repository, repositoryFile(['kafka', 'hello']));
  vi.stubEnv('NO_COLOR', '1');
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await rm(dir, { recursive: true, force: true });
});

/** Runs `e ...args` in-process (no Docker is reached by any case here) and captures what it prints. */
function e(...args: string[]): Promise<MainResult> {
  return runMain(args);
}

const missing = () => join(dir, 'missing.yml');

/**
 * One failing invocation per command (by its path; '' is e alone) and the code it fails with.
 * Each fails before anything would reach the engine.
 */
const CASES: readonly [path: string, args: () => string[], code: string][] = [
  ['', () => [], 'E_USAGE'],
  ['repo', () => ['repo'], 'E_USAGE'],
  ['repo list', () => ['-r', missing(), 'repo', 'list'], 'E_REPOSITORY_READ'],
  ['repo search', () => ['-r', repository, 'repo', 'search', 'kind in ('], 'E_SELECTOR_SYNTAX'],
  ['repo show', () => ['-r', repository, 'repo', 'show', 'kafak'], 'E_MODULE_UNKNOWN'],
  ['repo validate', () => ['repo', 'validate', missing()], 'E_REPOSITORY_READ'],
  ['repo schema', () => ['repo', 'schema', 'extra'], 'E_USAGE'],
  ['module', () => ['module'], 'E_USAGE'],
  ...(['init', 'plan', 'apply', 'audit'] as const).flatMap(
    (name) =>
      [
        [name, () => ['-r', repository, name, 'kafka', '--timeout', '0s'], 'E_DURATION_INVALID'],
        [
          `module ${name}`,
          () => ['-r', repository, 'module', name, 'kafka', '--timeout', '40000m'],
          'E_DURATION_INVALID',
        ],
      ] as const,
  ),
  [
    'module run',
    () => ['-r', repository, 'module', 'run', 'kafka', 'backup', '--timeout', 'soon'],
    'E_DURATION_INVALID',
  ],
  ['module install', () => ['-r', repository, 'module', 'install', 'nosuch'], 'E_UNRESOLVED'],
  ['module upgrade', () => ['-r', repository, 'module', 'upgrade', 'kafka'], 'E_NOT_INSTALLED'],
  ['module remove', () => ['-r', repository, 'module', 'remove', 'kafka'], 'E_NOT_INSTALLED'],
  ['module test', () => ['-r', repository, 'module', 'test', join(dir, 'no-module')], 'E_MODULE_DIR'],
  ['module validate', () => ['-r', repository, 'module', 'validate', 'nosuch'], 'E_MODULE_UNKNOWN'],
  ['module build', () => ['module', 'build', join(dir, 'no-module')], 'E_MODULE_DIR'],
  ['module new', () => ['module', 'new', 'Bad_Name', '--dir', dir], 'E_MODULE_NAME'],
  ['status', () => ['-r', missing(), 'status'], 'E_REPOSITORY_READ'],
  ['doctor', () => ['--engine', 'docker.example.org', 'doctor'], 'E_ENGINE_URL_INVALID'],
  ['graph', () => ['-r', missing(), 'graph'], 'E_REPOSITORY_READ'],
  ['requirements', () => ['-r', missing(), 'requirements', 'kafka'], 'E_REPOSITORY_READ'],
  ['state', () => ['state'], 'E_USAGE'],
  ['state show', () => ['state', 'show', 'kafka'], 'E_STATE_NO_SECTION'],
  ['state history', () => ['state', 'history', 'first'], 'E_HISTORY_ENTRY_INVALID'],
  ['state rollback', () => ['state', 'rollback', 'last'], 'E_REVISION_INVALID'],
  ['state unlock', () => ['state', 'unlock', '--bogus'], 'E_USAGE'],
  ['state push', () => ['state', 'push'], 'E_STATE_URL_MISSING'],
  ['state pull', () => ['state', 'pull', '--state', 'mysql://db/e'], 'E_STATE_URL_INVALID'],
  ['completion', () => ['completion', 'tcsh'], 'E_USAGE'],
  ['export', () => ['-r', repository, 'export', join(dir, 'site.tar')], 'E_EXPORT_NOTHING'],
  ['import', () => ['import', join(dir, 'no-such.tar')], 'E_ARCHIVE_READ'],
];

/** Every command a user can run (the hidden completion callback and commander's help aside). */
function commandPaths(program: Command): string[] {
  const paths: string[] = [];
  const visit = (command: Command) => {
    paths.push(commandPath(command));
    for (const sub of command.createHelp().visibleCommands(command)) if (sub.name() !== 'help') visit(sub);
  };
  visit(program);
  return paths;
}

describe('-o json|yaml errors', () => {
  it('the table has a case for every command', () => {
    const covered = new Set(CASES.map(([path]) => path));
    expect(commandPaths(buildProgram()).filter((path) => !covered.has(path))).toEqual([]);
  });

  it.each(CASES)('e %s: one JSON document with the error, the exit code unchanged', async (_path, args, code) => {
    const text = await e('-s', shared, ...args());
    const json = await e('-s', shared, '-o', 'json', ...args());
    expect(text.code).not.toBe(0);
    expect(json.code).toBe(text.code);
    const document = JSON.parse(json.stdout);
    expect(document).toEqual({
      ok: false,
      error: expect.objectContaining({ code, message: expect.any(String), exitCode: json.code }),
    });
    expect(document.error.hint === null || typeof document.error.hint === 'string').toBe(true);
    // the message is on stderr too, for whoever reads the log
    expect(json.stderr).not.toBe('');

    const yaml = await e('-s', shared, ...args(), '--output=yaml');
    expect(yaml.code).toBe(text.code);
    expect(parse(yaml.stdout)).toEqual(document);
  });

  it('an error after a result keeps the result beside the error', async () => {
    const result = await e('-s', shared, '-o', 'json', 'module', 'install', 'nosuch', '-r', repository);
    expect(JSON.parse(result.stdout).error.details.explanation).toMatchObject({
      request: 'nosuch',
      reasons: [{ kind: 'unknown-module', module: 'nosuch' }],
    });
  });

  it('an invalid repository lists its problems in details', async () => {
    const bad = join(dir, 'bad.yml');
    await writeFile(bad, 'version: v1\nkind: Repository\ncomponents: 5\n');
    const { stdout } = await e('-o', 'json', '-r', bad, 'repo', 'list');
    expect(JSON.parse(stdout).error).toMatchObject({
      code: 'E_REPOSITORY_INVALID',
      details: { problems: [expect.objectContaining({ line: 3, path: 'components' })] },
    });
  });

  it('a command that succeeds prints its result, as before', async () => {
    const { code, stdout } = await e('-o', 'json', '-r', repository, 'repo', 'list');
    expect(code).toBe(0);
    expect(JSON.parse(stdout).map((m: { name: string }) => m.name)).toEqual(['hello', 'kafka']);
  });
});

/** Issue 12 item 9: each bad input is one sentence and exit 1. */
describe('bad input', () => {
  const sockets: Socket[] = [];
  let silent: Server;
  let silentUrl: string;
  let refusedUrl: string;
  beforeAll(async () => {
    silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((done) => silent.listen(0, '127.0.0.1', done));
    silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/repository.yml`;
    const closed = createServer();
    await new Promise<void>((done) => closed.listen(0, '127.0.0.1', done));
    refusedUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/repository.yml`;
    await new Promise((done) => closed.close(done));
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((done) => silent.close(done));
  });

  const oneSentence = (stderr: string) => {
    const [first = '', ...rest] = stderr.split('\n').filter((line) => line !== '');
    expect(first).toMatch(/^e: [^\n]+[.a-z0-9)]$/i);
    expect(rest.length).toBeLessThanOrEqual(1);
    return first;
  };

  it.each([
    [
      ['--platform', 'linux', 'plan', 'kafka'],
      'e: --platform "linux" names an operating system but no architecture; give os/arch such as linux/amd64 or linux/arm64.',
    ],
    [
      ['--platform', '', 'plan', 'kafka'],
      "e: --platform '' names no platform; give os/arch such as linux/amd64, or leave it out for the engine's own.",
    ],
    [
      ['apply', 'kafka', '--timeout', '40000m', '-y'],
      'e: --timeout "40000m" is longer than e can wait: at most 596h (about 24.8 days).',
    ],
  ])('e %j', async (args, message) => {
    const result = await e('-s', shared, '-r', repository, ...args);
    expect(result.code).toBe(1);
    expect(oneSentence(result.stderr)).toBe(message);
  });

  it('an empty E_PLATFORM means the engine’s platform, as if it were not set', async () => {
    vi.stubEnv('E_PLATFORM', '');
    try {
      expect((await e('-s', shared, '-r', repository, 'status')).code).toBe(0);
    } finally {
      vi.stubEnv('E_PLATFORM', undefined);
    }
  });

  it('a repository URL that refuses the connection says so', async () => {
    const result = await e('-r', refusedUrl, 'repo', 'list');
    expect(result.code).toBe(1);
    expect(oneSentence(result.stderr)).toBe(
      `e: cannot fetch the repository file ${refusedUrl}: the connection was refused (nothing listens there) (ECONNREFUSED)`,
    );
  });

  it('a repository URL that never answers ends after 10 seconds with one sentence', async () => {
    const started = Date.now();
    const result = await e('-r', silentUrl, 'repo', 'list');
    expect(result.code).toBe(1);
    expect(oneSentence(result.stderr)).toBe(
      `e: ${silentUrl} did not send the repository file within 10 seconds, so e gave up.`,
    );
    expect(Date.now() - started).toBeLessThan(15_000);
  }, 20_000);

  it('a repository nested 100,000 levels deep is one problem, not a crash', async () => {
    const deep = join(dir, 'deep.yml');
    await writeFile(deep, `components: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`);
    const result = await e('-r', deep, 'repo', 'list');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${deep}:1:`);
    expect(result.stderr).toContain('collections nest deeper than 100 levels here');
    expect(result.stderr).not.toContain('stack');
  });

  it('a 5 MB scalar in state.yml is quoted in 200 characters', async () => {
    const big = join(dir, 'big');
    await mkdir(big);
    await writeFile(join(big, 'state.yml'), 'x'.repeat(5_000_000));
    const result = await e('-s', big, '-r', repository, 'status');
    expect(result.code).toBe(1);
    expect(result.stderr.length).toBeLessThan(600);
    expect(oneSentence(result.stderr)).toContain(`the scalar "${'x'.repeat(200)}…" (5000000 characters)`);
  });
});

function repositoryFile(names: string[]): string {
  const commands = ['metadata', 'init', 'plan', 'apply', 'audit', 'backup']
    .map((c) => `{name: ${c}, command: ${c}}`)
    .join(', ');
  return `version: v1\nkind: Repository\ncomponents:\n${names
    .map(
      (name) =>
        `  - name: ${name}\n    type: docker\n    versions:\n      - version: 0.1.0\n        image: localhost:5000/modules/${name}:0.1.0\n        labels: {kind: ${name}}\n        commands: [${commands}]\n`,
    )
    .join('')}`;
}
