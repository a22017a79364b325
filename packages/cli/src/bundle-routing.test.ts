import { spawnSync } from 'node:child_process';
import {
  closeSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// bin/e.js runs dist/bundle/e-read.cjs for the commands that only read, dist/bundle/e.cjs for the
// others and for help, each only while it is fresh (bin/bundle-loader.js, bundleFor).
interface Loader {
  bundleFor(argv: string[], directory?: string): string | undefined;
  readOnlyCommand(args: string[]): boolean;
}
const require = createRequire(import.meta.url);
const root = fileURLToPath(new URL('../../../', import.meta.url));
const binDir = join(root, 'packages/cli/bin');
const loader = require(join(binDir, 'bundle-loader.js')) as Loader;

describe('readOnlyCommand: which command lines the read-only bundle answers', () => {
  it.each([
    'status',
    'repo list',
    'repo search',
    'repo search kind=example --latest',
    'repo show hello',
    'state show',
    'state show hello',
    '-r repository.yml -s shared status',
    '--repository=repository.yml --shared=shared -o json repo list',
    '-rrepository.yml -ojson repo search kind=example',
    '--debug --env prod --state postgres://db/e --platform linux/amd64 --engine tcp://h:2375 status',
    'repo -r repository.yml search --latest',
    'state show hello -o yaml',
  ])('%s: yes', (line) => {
    expect(loader.readOnlyCommand(line.split(' '))).toBe(true);
  });

  it.each([
    '',
    '--help',
    'status --help',
    'status -h',
    '-h status',
    'help status',
    'repo list --help',
    'repo help list',
    'repo search help',
    'repo',
    'repo validate',
    'repo schema',
    'state',
    'state history',
    'module run hello plan',
    'plan hello',
    'completion bash',
    '__complete e status',
    '--version',
    '--foo status',
    '--envx status',
    '-r',
    '-- status',
    // commander answers these with an error (bin/bundle-loader.js, parseReadArgs; read-args.test.ts)
    'status --bogus',
    'status extra',
    'repo show',
    '-r a.yml -r b.yml status',
    '-o xml status',
  ])('"%s": no, the full bundle', (line) => {
    expect(loader.readOnlyCommand(line === '' ? [] : line.split(' '))).toBe(false);
  });
});

/** A stand-in bundle, in the wrapper make setup writes: main prints which bundle it is. */
const fakeBundle = (name: string) =>
  `(function (exports, require, module, __filename, __dirname) {exports.main = async (argv) => { process.stdout.write(${JSON.stringify(`${name} `)} + JSON.stringify(argv.slice(2)) + '\\n'); return 0; };\n})`;

describe('bin/e.js: the bundle a command runs', () => {
  // a copy of packages/cli/bin beside stand-ins for the bundles, dist/main.js and the builds
  let dir: string;
  let bundles: string;
  const builds = [
    'packages/cli/dist/.tsbuildinfo',
    'packages/core/dist/.tsbuildinfo',
    'packages/module-sdk/dist/.tsbuildinfo',
  ];
  const at = (file: string, seconds: number) => utimesSync(file, seconds, seconds);
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'e-bundle-routing-'));
    const bin = join(dir, 'packages/cli/bin');
    bundles = join(dir, 'packages/cli/dist/bundle');
    mkdirSync(bin, { recursive: true });
    mkdirSync(bundles, { recursive: true });
    for (const file of ['e.js', 'bundle-loader.js', 'lazy-child-process.cjs', 'package.json']) {
      copyFileSync(join(binDir, file), join(bin, file));
    }
    writeFileSync(join(dir, 'packages/cli/package.json'), '{"version": "0.0.0-test", "type": "module"}\n');
    writeFileSync(
      join(dir, 'packages/cli/dist/main.js'),
      "export async function main(argv) { process.stdout.write('main.js ' + JSON.stringify(argv.slice(2)) + '\\n'); return 0; }\n",
    );
    for (const build of builds) {
      mkdirSync(dirname(join(dir, build)), { recursive: true });
      writeFileSync(join(dir, build), '{}');
    }
    writeFileSync(join(bundles, 'e.cjs'), fakeBundle('e.cjs'));
    writeFileSync(join(bundles, 'e-read.cjs'), fakeBundle('e-read.cjs'));
    writeFileSync(join(bundles, 'e-run.cjs'), fakeBundle('e-run.cjs'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Sets the modification times: every build at 1000 s, each bundle at the given second. */
  const times = (full: number, readOnly: number, run = full) => {
    for (const build of builds) at(join(dir, build), 1000);
    at(join(bundles, 'e.cjs'), full);
    at(join(bundles, 'e-read.cjs'), readOnly);
    at(join(bundles, 'e-run.cjs'), run);
  };
  const run = (...args: string[]) => {
    const result = spawnSync(process.execPath, [join(dir, 'packages/cli/bin/e.js'), ...args], { encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
    return result.stdout.split(' ')[0];
  };

  it('the commands that only read run e-read.cjs, help and every other command e.cjs', () => {
    times(2000, 2000);
    expect(run('status')).toBe('e-read.cjs');
    expect(run('-r', 'repository.yml', '-o', 'json', 'repo', 'search', 'kind=example')).toBe('e-read.cjs');
    expect(run('state', 'show')).toBe('e-read.cjs');
    expect(run('status', '--help')).toBe('e.cjs');
    expect(run('repo', 'list', '-h')).toBe('e.cjs');
    expect(run('help', 'status')).toBe('e.cjs');
    expect(run('repo', 'validate')).toBe('e.cjs');
    expect(run('module', 'install', 'hello')).toBe('e.cjs');
    expect(run()).toBe('e.cjs');
    expect(run('--version')).toBe('0.0.0-test\n');
  });

  it('the commands that run a module run e-run.cjs, their help and plan --show e.cjs', () => {
    times(2000, 2000);
    expect(run('module', 'run', 'hello', 'plan')).toBe('e-run.cjs');
    expect(run('-s', 'shared', 'plan', 'hello')).toBe('e-run.cjs');
    expect(run('apply', 'hello', '-y')).toBe('e-run.cjs');
    expect(run('module', 'audit', 'hello')).toBe('e-run.cjs');
    expect(run('plan', 'hello', '--help')).toBe('e.cjs');
    expect(run('help', 'plan')).toBe('e.cjs');
    expect(run('plan', '--show', 'plan.json')).toBe('e.cjs');
    times(2000, 2000, 500); // an older module-run bundle never runs
    expect(run('plan', 'hello')).toBe('e.cjs');
    expect(run('module', 'run', 'hello', 'plan')).toBe('e.cjs');
  });

  it('a read-only bundle older than a build never runs: the full bundle answers, else dist/main.js', () => {
    times(2000, 500);
    expect(run('status')).toBe('e.cjs');
    expect(run('repo', 'list')).toBe('e.cjs');
    at(join(dir, builds[1] ?? ''), 3000); // a newer core build: both bundles are stale
    expect(run('status')).toBe('main.js');
    expect(run('module', 'run', 'hello', 'plan')).toBe('main.js');
    times(500, 2000); // only the read-only bundle is fresh
    expect(run('status')).toBe('e-read.cjs');
    expect(run('repo', 'validate')).toBe('main.js');
    rmSync(join(bundles, 'e-read.cjs'));
    expect(run('status')).toBe('main.js');
    writeFileSync(join(bundles, 'e-read.cjs'), fakeBundle('e-read.cjs'));
  });
});

/** Runs dist/main.js in a fresh Node: what a bundle must print. */
const viaMain = `import(${JSON.stringify(join(root, 'packages/cli/dist/main.js'))}).then(async ({ main }) => { process.exitCode = await main(['node', 'e', ...process.argv.slice(1)]); });`;

/** What e answers in `dir` to `args` against this repository and `shared`, run by `node` arguments. */
function answerIn(dir: string, shared: string, node: string[], args: string[]) {
  const result = spawnSync(process.execPath, [...node, '-r', join(root, 'repository.yml'), '-s', shared, ...args], {
    cwd: dir,
    encoding: 'utf8',
    // a cache of read repositories of its own (docs/repository.md), empty at first
    env: { ...process.env, NO_COLOR: '1', XDG_CACHE_HOME: join(dir, 'cache') },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** What e answers to `args`, run by `node` arguments (bin/e.js, or viaMain). */
type Answer = (node: string[], args: string[]) => ReturnType<typeof answerIn>;

/** Checks that `bundle` runs `args` and answers them as dist/main.js does, not with nothing; its answer. */
function sameAsMain(bundle: string | undefined, answer: Answer, args: string[]): ReturnType<Answer> {
  expect(loader.bundleFor(['node', 'e', ...args])).toBe(bundle);
  const slim = answer([join(binDir, 'e.js')], args);
  expect(slim).toEqual(answer(['-e', viaMain, '--'], args));
  expect(slim.stdout + slim.stderr).not.toBe('');
  return slim;
}

// The real module-run bundle (make setup) answers as dist/main.js does where no engine is needed.
const realRunBundle = loader.bundleFor(['node', 'e', 'plan', 'hello']);
describe.skipIf(realRunBundle === undefined || !realRunBundle.endsWith('e-run.cjs'))(
  'the module-run bundle prints what dist/main.js prints (needs make setup)',
  () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'e-run-bundle-output-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    const answer = (node: string[], args: string[]) => answerIn(dir, dir, node, args);

    it.each([
      'plan',
      'plan hello --bogus',
      'module run hello',
      'module run nothing-here plan',
      '--platform linux/bogus plan hello',
      'apply hello --plan missing-plan.json',
      'plan hello --timeout soon',
      '-o json module run nothing-here plan',
    ])('e %s', (line) => {
      const slim = sameAsMain(realRunBundle, answer, line.split(' '));
      expect(slim.status).not.toBe(0);
    });
  },
);

// The real read-only bundle (make setup) answers as dist/main.js does, byte for byte.
const realBundle = loader.bundleFor(['node', 'e', 'status']);
describe.skipIf(realBundle === undefined || !realBundle.endsWith('e-read.cjs'))(
  'the read-only bundle prints what dist/main.js prints (needs make setup)',
  () => {
    let dir: string;
    let shared: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'e-bundle-output-'));
      shared = join(dir, 'shared');
      mkdirSync(shared);
      writeFileSync(
        join(shared, 'state.yml'),
        'hello:\n  greeting: hello\ne:\n  installed:\n    hello:\n      version: 0.1.0\n      labels: {kind: example}\n      status: applied\n      installedAt: 2026-01-01T00:00:00.000Z\n      updatedAt: 2026-01-02T00:00:00.000Z\n      needsPlan: true\n',
      );
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    const answer = (node: string[], args: string[]) => answerIn(dir, shared, node, args);

    it.each(['status', 'repo list', 'repo search kind=example', 'state show'])(
      "e %s loads neither node:fs/promises, node:os, node:crypto nor node:module (bin/lazy-*), nor node:net for stdout (a pipe here), nor node:v8 and the streams it needs (bin/bundle-loader.js), nor write-file-atomic's worker_threads, and warns of nothing",
      (line) => {
        const report = join(dir, 'modules.cjs');
        const unwanted = ['internal/fs/promises', 'os', 'crypto', 'module', 'net', 'v8', 'stream', 'worker_threads'];
        writeFileSync(
          report,
          `process.on('exit', () => require('node:fs').writeSync(2, 'loaded ' + process.moduleLoadList.filter((m) => ${JSON.stringify(unwanted.map((id) => `NativeModule ${id}`))}.includes(m)).join(',') + '\\n'));\n`,
        );
        // the first read of repository.yml keeps it in the cache of read repositories, written with
        // write-file-atomic, which loads Node's streams: what is checked is every later run
        expect(answer([join(binDir, 'e.js')], line.split(' ')).status).toBe(0);
        // --throw-deprecation: setting V8's flags through Node's deprecated binding warns of nothing
        const result = answer(['--throw-deprecation', '--require', report, join(binDir, 'e.js')], line.split(' '));
        expect(result.status, result.stderr).toBe(0);
        expect(result.stderr).toBe('loaded \n');
      },
    );

    it.each([
      ['e-read.cjs', 'statusCommand'],
      ['e-run.cjs', 'runModuleCommand'],
    ])(
      "%s is one flat scope: no module of e's waits in a wrapper until first imported (scripts/static-imports.mjs)",
      (bundle, handler) => {
        const source = readFileSync(join(dirname(realBundle as string), bundle), 'utf8');
        // esbuild names each wrapped module by its path: "packages/core/dist/errors.js"() {...}
        expect(source.match(/"packages\/(cli|core)\/dist\/[^"]*\.js"\(\)/g) ?? []).toEqual([]);
        expect(source).toContain(`function ${handler}(`);
      },
    );

    // what a run read of yaml: its bundle beside e's (dist/bundle/yaml.cjs, bin/lazy-yaml.cjs) or its package
    const yamlReads = (line: string): string[] => {
      const report = join(dir, 'yaml-reads.cjs');
      writeFileSync(
        report,
        `const fs = require('node:fs');
const read = fs.readFileSync;
const seen = new Set();
fs.readFileSync = function (file, ...rest) {
  if (typeof file === 'string' && /yaml\\.cjs|node_modules\\/yaml\\//.test(file)) seen.add(file.includes('node_modules') ? 'node_modules/yaml' : file.slice(file.lastIndexOf('/') + 1));
  return read.call(this, file, ...rest);
};
process.on('exit', () => fs.writeSync(2, 'yaml ' + [...seen].sort().join(',') + '\\n'));
`,
      );
      expect(answer([join(binDir, 'e.js')], line.split(' ')).status).toBe(0); // the cache of read repositories, as above
      const result = answer(['--require', report, join(binDir, 'e.js')], line.split(' '));
      expect(result.status, result.stderr).toBe(0);
      return /^yaml (.*)$/m.exec(result.stderr)?.[1]?.split(',').filter(Boolean) ?? ['(no report)'];
    };

    it.each(['status', 'repo list', 'repo search kind=example', '-o json status'])(
      'e %s does not load the yaml library (e reads the state and the cached repository itself)',
      (line) => {
        expect(yamlReads(line)).toEqual([]);
      },
    );

    it.each(['state show', '-o yaml status'])(
      'e %s loads yaml from its bundle beside e, through its code cache',
      (line) => {
        expect(yamlReads(line)).toEqual(['yaml.cjs', 'yaml.cjs.cache', 'yaml.cjs.inputs']);
      },
    );

    it('takes e.yml as the full program does: what no flag and no variable set (bin/e.js and dist/main.js alike)', () => {
      // a team's directory: its repository file and e.yml beside it
      const team = join(dir, 'team');
      mkdirSync(team, { recursive: true });
      writeFileSync(join(team, 'repository.yml'), readFileSync(join(root, 'repository.yml')));
      writeFileSync(join(team, 'e.yml'), 'repository: repository.yml\noutput: json\n');
      const run = (node: string[], args: string[], env: NodeJS.ProcessEnv = {}) => {
        const result = spawnSync(process.execPath, [...node, '-s', shared, ...args], {
          cwd: team,
          encoding: 'utf8',
          env: { ...process.env, NO_COLOR: '1', XDG_CACHE_HOME: join(dir, 'cache'), ...env },
        });
        return { status: result.status, stdout: result.stdout, stderr: result.stderr };
      };
      const cases: [string[], NodeJS.ProcessEnv, (stdout: string) => void][] = [
        // e.yml in the working directory names the repository and the output
        [['status'], {}, (out) => expect(JSON.parse(out)).toMatchObject({ modules: [{ module: 'hello' }] })],
        [['repo', 'list'], {}, (out) => expect(JSON.parse(out)).toEqual(expect.any(Array))],
        // a flag wins over e.yml
        [['-o', 'text', 'status'], {}, (out) => expect(out).toMatch(/^MODULE/)],
        // e.yml beside the repository file that E_REPOSITORY names
        [['repo', 'search', 'kind=example'], { E_REPOSITORY: join(team, 'repository.yml') }, (out) => JSON.parse(out)],
      ];
      for (const [args, env, check] of cases) {
        expect(loader.bundleFor(['node', 'e', ...args]), args.join(' ')).toBe(realBundle);
        const slim = run([join(binDir, 'e.js')], args, env);
        expect(slim.status, slim.stderr).toBe(0);
        check(slim.stdout);
        expect(slim, args.join(' ')).toEqual(run(['-e', viaMain, '--'], args, env));
      }
    });

    it('takes the entry another bundle made in the cache of read repositories (e graph, then e status)', () => {
      // a repository file old enough to be kept (repository-cache.ts, SETTLED_MS), in a cache of its own
      const repository = join(dir, 'kept.yml');
      writeFileSync(repository, readFileSync(join(root, 'repository.yml')));
      utimesSync(repository, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
      const env = { ...process.env, NO_COLOR: '1', XDG_CACHE_HOME: join(dir, 'kept-cache') };
      const run = (args: string[]) =>
        spawnSync(process.execPath, [join(binDir, 'e.js'), '-r', repository, '-s', shared, ...args], {
          cwd: dir,
          encoding: 'utf8',
          env,
        });
      expect(loader.bundleFor(['node', 'e', 'graph'])).toMatch(/e\.cjs$/);
      expect(run(['graph']).status).toBe(0);
      const entries = join(dir, 'kept-cache', 'e', 'repositories');
      const [entry] = readdirSync(entries);
      const made = statSync(join(entries, entry!)).mtimeMs;
      const text = readFileSync(join(entries, entry!), 'utf8');
      // e-read.cjs answers from it: the entry is neither rewritten nor replaced
      expect(run(['status']).status).toBe(0);
      expect(readdirSync(entries)).toEqual([entry]);
      expect([statSync(join(entries, entry!)).mtimeMs, readFileSync(join(entries, entry!), 'utf8')]).toEqual([
        made,
        text,
      ]);
    });

    it('ends at once when it has answered (no beforeExit), with all its output, also past a pipe buffer', () => {
      const report = join(dir, 'before-exit.cjs');
      writeFileSync(report, "process.on('beforeExit', () => require('node:fs').writeSync(2, 'beforeExit\\n'));\n");
      // a repository whose list is far longer than a pipe holds (64 KB here)
      const many = join(dir, 'many.yml');
      const component = (i: number) =>
        `  - name: module-${i}\n    type: docker\n    versions:\n      - version: "0.1.${i}"\n        image: localhost:5000/modules/m${i}:0.1.${i}\n        labels: {kind: example, name: Module number ${i} of many}\n        commands:\n${['metadata', 'init', 'plan', 'apply', 'audit'].map((c) => `          - {name: ${c}, command: ${c}}\n`).join('')}`;
      writeFileSync(
        many,
        `version: v1\nkind: Repository\ncomponents:\n${Array.from({ length: 3000 }, (_, i) => component(i)).join('')}`,
      );
      const run = (node: string[], args: string[]) =>
        spawnSync(process.execPath, [...node, '-r', many, '-s', shared, ...args], {
          cwd: dir,
          encoding: 'utf8',
          maxBuffer: 64 << 20,
          env: { ...process.env, NO_COLOR: '1', XDG_CACHE_HOME: join(dir, 'cache') },
        });
      for (const args of [
        ['repo', 'list'],
        ['-o', 'json', 'repo', 'search'],
      ]) {
        const fast = run(['--require', report, join(binDir, 'e.js')], args);
        expect(fast.status, fast.stderr).toBe(0);
        expect(fast.stderr).toBe('');
        expect(fast.stdout.length).toBeGreaterThan(128 << 10);
        expect(fast.stdout).toBe(run(['-e', viaMain, '--'], args).stdout);
      }
      // the other commands end as Node ends a program: after beforeExit
      const full = run(['--require', report, join(binDir, 'e.js')], ['repo', 'validate']);
      expect(full.stderr).toContain('beforeExit');
    });

    it('writes to /dev/null itself too: Node makes no stream for stdout (e status > /dev/null)', () => {
      const report = join(dir, 'streams.cjs');
      writeFileSync(
        report,
        "process.on('exit', () => require('node:fs').writeSync(2, 'loaded ' + process.moduleLoadList.filter((m) => ['NativeModule stream', 'NativeModule internal/fs/sync_write_stream', 'NativeModule net'].includes(m)).join(',') + '\\n'));\n",
      );
      expect(answer([join(binDir, 'e.js')], ['status']).status).toBe(0); // the cache of read repositories, as above
      const devNull = openSync('/dev/null', 'w');
      try {
        const result = spawnSync(
          process.execPath,
          ['--require', report, join(binDir, 'e.js'), '-r', join(root, 'repository.yml'), '-s', shared, 'status'],
          {
            cwd: dir,
            encoding: 'utf8',
            stdio: ['ignore', devNull, 'pipe'],
            env: { ...process.env, XDG_CACHE_HOME: join(dir, 'cache') },
          },
        );
        expect([result.status, result.stderr]).toEqual([0, 'loaded \n']);
      } finally {
        closeSync(devNull);
      }
    });

    it('writes stdout itself: a reader that is gone ends it quietly, as bin/e.js does for process.stdout', () => {
      const closed = spawnSync(
        process.execPath,
        [
          '-e',
          `const { spawn } = require('node:child_process');
const child = spawn(process.execPath, process.argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
child.stdout.destroy();
let err = '';
child.stderr.on('data', (d) => { err += d; });
child.on('close', (code) => console.log(JSON.stringify({ code, err })));`,
          join(binDir, 'e.js'),
          '-r',
          join(root, 'repository.yml'),
          '-s',
          shared,
          '-o',
          'json',
          'repo',
          'search',
        ],
        { encoding: 'utf8' },
      );
      expect(JSON.parse(closed.stdout)).toEqual({ code: 0, err: '' });
    });

    it.each([
      'status',
      '-o json status',
      'repo list',
      '-o json repo list',
      'repo search kind=example',
      '-o json repo search kind=example',
      'repo search --latest',
      '-o yaml repo search version>=0.1.0',
      'repo show kafka',
      'state show hello',
      'repo search kind=(',
      '-o json repo show nothing-here',
      'repo -o json search --latest kind=example',
      'state show nothing-here -o json',
    ])('e %s', (line) => {
      sameAsMain(realBundle, answer, line.split(' '));
    });
  },
);
