import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { ModuleVersion, Repository } from '../repository/model.js';
import type { ContainerRuntime, ImageDetails, RunSpec } from '../runtime/container-runtime.js';
import { LABELS } from '../runtime/labels.js';
import { sha256OrNull } from '../runtime/plan-file.js';
import { prepareRun } from './prepare.js';
import { runModuleCommand, runPrepared } from './run-module.js';
import type { RunSession } from './session.js';

/** The staging copy the container sees at /shared. */
const staged = (spec: RunSpec) => spec.mounts.find((m) => m.target === '/shared')!.source;

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function shared(state?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'e-run-unit-'));
  dirs.push(dir);
  if (state !== undefined) writeFileSync(join(dir, 'state.yml'), state);
  return dir;
}

const commands = ['init', 'plan', 'apply', 'audit'].map((name) => ({ name, command: name, envs: {}, args: [] }));

function version(v: string, fields: Partial<ModuleVersion> = {}): ModuleVersion {
  return {
    version: v,
    latest: false,
    image: `reg/kafka:${v}`,
    mounts: ['/shared'],
    labels: { kind: 'stream' },
    requires: { strong: [], weak: [] },
    influences: [],
    requirements: { images: [], files: [], packages: [] },
    commands: [...commands, { name: 'backup', command: 'backup', envs: { LOG: 'WARN' }, args: ['--full'] }],
    ...fields,
  };
}

const repository: Repository = {
  source: 'repo.yml',
  components: [
    {
      name: 'kafka',
      type: 'docker',
      versions: [version('0.1.0'), version('0.3.0'), version('0.2.0', { latest: true })],
    },
  ],
};

/** A plain-object runtime: images are "local" once pulled; `behave` plays the module. */
function fakeRuntime(behave: (spec: RunSpec) => Promise<number | 'hang'> | number | 'hang', pulledArch = 'amd64') {
  const images = new Map<string, ImageDetails>();
  const runs: RunSpec[] = [];
  const pulls: string[] = [];
  const runtime: ContainerRuntime = {
    endpoint: 'fake',
    enginePlatform: async () => ({ os: 'linux', architecture: 'amd64' }),
    inspectImage: async (ref) => images.get(ref),
    registryImage: async () => ({ digest: 'sha256:abc', platforms: [] }),
    pull: async (ref) => {
      pulls.push(ref);
      images.set(ref, { id: `sha256:id-${ref}`, os: 'linux', architecture: pulledArch, repoDigests: [] });
    },
    run: async (spec) => {
      runs.push(spec);
      await spec.beforeStart?.();
      const code = await behave(spec);
      if (code === 'hang') return { exitCode: null, ended: 'timed-out', containerId: 'c1' };
      return { exitCode: code, ended: 'exited', containerId: 'c1' };
    },
    listContainers: async () => [],
    removeContainer: async () => undefined,
  };
  return { runtime, runs, pulls };
}

const quiet = { output: () => undefined };

describe('runModuleCommand', () => {
  it('runs the latest version, with the repository command, the E_* variables and e labels', async () => {
    const dir = shared();
    const { runtime, runs, pulls } = fakeRuntime(() => 0);
    const result = await runModuleCommand(
      runtime,
      {
        repository,
        shared: dir,
        module: 'kafka',
        command: 'backup',
        extraArgs: ['--now'],
        by: 'e module run kafka backup',
      },
      quiet,
    );
    expect(result).toMatchObject({ version: '0.2.0', why: 'latest', exitCode: 0, platform: 'linux/amd64' });
    expect(pulls).toEqual(['reg/kafka@sha256:abc']);
    const spec = runs[0] as RunSpec;
    expect(spec.cmd).toEqual(['backup', '--full', '--now']);
    expect(spec.env).toMatchObject({
      LOG: 'WARN',
      E_MODULE: 'kafka',
      E_VERSION: '0.2.0',
      E_COMMAND: 'backup',
      E_SHARED: '/shared',
      E_STATE: '/shared/state.yml',
      E_PLATFORM: 'linux/amd64',
    });
    // a private copy at /shared, the read-only inputs over it; never the live directory
    expect(spec.mounts).toEqual([
      { source: expect.not.stringMatching(new RegExp(`^${dir}/?$`)), target: '/shared', readOnly: false },
      { source: join(dir, '.inputs'), target: '/shared/.inputs', readOnly: true },
    ]);
    expect(spec.access).toMatchObject({ network: true, capabilities: [] });
    expect(spec.labels[LABELS.managedBy]).toBe('e');
    expect(spec.labels[LABELS.shared]).toBe(dir);
    expect(result.image.digest).toBe('reg/kafka@sha256:abc');
  });

  it('init installs the module; later runs use the installed version, not the latest', async () => {
    const dir = shared();
    const { runtime } = fakeRuntime(() => 0);
    await runModuleCommand(
      runtime,
      { repository, shared: dir, module: 'kafka', version: '0.1.0', command: 'init', by: 'e' },
      quiet,
    );
    const state = parse(readFileSync(join(dir, 'state.yml'), 'utf8'));
    expect(state.e.installed.kafka).toMatchObject({ version: '0.1.0', status: 'initialized', platform: 'linux/amd64' });
    const plan = await runModuleCommand(
      runtime,
      { repository, shared: dir, module: 'kafka', command: 'plan', by: 'e' },
      quiet,
    );
    expect(plan).toMatchObject({ version: '0.1.0', why: 'installed' });
  });

  it('catches an image of the wrong architecture after the pull', async () => {
    const { runtime, runs } = fakeRuntime(() => 0, 'amd64');
    const request = {
      repository,
      shared: shared(),
      module: 'kafka',
      command: 'plan',
      by: 'e',
      platform: { os: 'linux', architecture: 'arm64' },
    };
    await expect(runModuleCommand(runtime, request, quiet)).rejects.toThrow(
      'reg/kafka:0.2.0 was pulled for linux/arm64, but the image is built for linux/amd64.',
    );
    expect(runs).toEqual([]);
  });

  it('refuses a run that deleted another section and merges nothing of it', async () => {
    const before = 'azi:\n  status: applied # by hand\n';
    const dir = shared(before);
    const { runtime } = fakeRuntime((spec) => {
      writeFileSync(join(staged(spec), 'state.yml'), 'kafka: {status: applied}\n');
      writeFileSync(join(staged(spec), 'kafka-config.yml'), 'mine: true\n');
      return 0;
    });
    await expect(
      runModuleCommand(runtime, { repository, shared: dir, module: 'kafka', command: 'apply', by: 'e' }, quiet),
    ).rejects.toThrow('kafka apply was refused, so nothing it wrote was merged: kafka deleted section azi.');
    expect(readFileSync(join(dir, 'state.yml'), 'utf8')).toBe(before);
    expect(existsSync(join(dir, 'kafka-config.yml'))).toBe(false);
  });

  it("merges its own section and files, and refuses another module's file naming it", async () => {
    const dir = shared('azi:\n  status: applied\n');
    writeFileSync(join(dir, 'azi-config.yml'), 'size: 5\n');
    let step = 0;
    const staging: string[] = [];
    const { runtime } = fakeRuntime((spec) => {
      const stage = staged(spec);
      staging.push(stage);
      if (step++ === 0) {
        writeFileSync(join(stage, 'state.yml'), 'azi:\n  status: applied\nkafka:\n  status: initialized\n');
        writeFileSync(join(stage, 'kafka-config.yml'), 'brokers: 3\n');
        mkdirSync(join(stage, 'kafka', 'remote'), { recursive: true });
        writeFileSync(join(stage, 'kafka', 'remote', 'broker-1'), 'up\n');
      } else {
        writeFileSync(join(stage, 'azi-config.yml'), 'size: 1\n');
        writeFileSync(join(stage, 'notes.txt'), 'x\n');
      }
      return 0;
    });
    const request = { repository, shared: dir, module: 'kafka', version: '0.1.0', command: 'init', by: 'e' };
    await runModuleCommand(runtime, request, quiet);
    expect(readFileSync(join(dir, 'kafka-config.yml'), 'utf8')).toBe('brokers: 3\n');
    expect(readFileSync(join(dir, 'kafka', 'remote', 'broker-1'), 'utf8')).toBe('up\n');
    expect(parse(readFileSync(join(dir, 'state.yml'), 'utf8')).kafka).toEqual({ status: 'initialized' });
    await expect(runModuleCommand(runtime, { ...request, command: 'apply' }, quiet)).rejects.toThrow(
      'kafka changed azi-config.yml, which belongs to azi; kafka created notes.txt, which no module owns',
    );
    expect(readFileSync(join(dir, 'azi-config.yml'), 'utf8')).toBe('size: 5\n');
    expect(existsSync(join(dir, 'notes.txt'))).toBe(false);
    expect(readdirSync(join(dir, '.e', 'runs'))).toEqual([]);
    expect(staging.filter((path) => existsSync(path))).toEqual([]); // staging copies are gone
  });

  it('running another version leaves the record; a failed apply marks it failed whatever the module wrote', async () => {
    const dir = shared();
    let exit = 0;
    const { runtime } = fakeRuntime((spec) => {
      const file = join(staged(spec), 'state.yml');
      const state = existsSync(file) ? (parse(readFileSync(file, 'utf8')) ?? {}) : {};
      writeFileSync(file, stringify({ ...state, kafka: { status: 'applied' } }));
      return exit;
    });
    const base = { repository, shared: dir, module: 'kafka', by: 'e' };
    await runModuleCommand(runtime, { ...base, version: '0.1.0', command: 'apply' }, quiet);
    const record = () => parse(readFileSync(join(dir, 'state.yml'), 'utf8')).e.installed.kafka;
    expect(record()).toMatchObject({ version: '0.1.0', status: 'applied' });
    const plan = await runModuleCommand(runtime, { ...base, version: '0.2.0', command: 'plan' }, quiet);
    expect(plan.version).toBe('0.2.0');
    expect(record()).toMatchObject({ version: '0.1.0', status: 'applied' });
    exit = 1;
    const failed = await runModuleCommand(runtime, { ...base, command: 'apply' }, quiet);
    expect(failed.exitCode).toBe(1);
    expect(record()).toMatchObject({ version: '0.1.0', status: 'failed' });
  });

  it('an audit that finds drift is its own outcome, and the record says so until a clean audit', async () => {
    const dir = shared();
    let audit = 3;
    const { runtime } = fakeRuntime((spec) => {
      const file = join(staged(spec), 'state.yml');
      if (spec.cmd[0] === 'apply') writeFileSync(file, 'kafka:\n  status: applied\n');
      return spec.cmd[0] === 'audit' ? audit : 0;
    });
    const base = { repository, shared: dir, module: 'kafka', version: '0.1.0', by: 'e' };
    await runModuleCommand(runtime, { ...base, command: 'apply' }, quiet);
    const drifted = await runModuleCommand(runtime, { ...base, command: 'audit' }, quiet);
    expect(drifted.exitCode).toBe(3);
    const history = (seq: number) =>
      JSON.parse(
        readFileSync(
          join(dir, '.e', 'history', readdirSync(join(dir, '.e', 'history')).sort()[seq - 1] as string),
          'utf8',
        ),
      );
    expect(history(drifted.historySeq).outcome).toBe('drift');
    const record = () => parse(readFileSync(join(dir, 'state.yml'), 'utf8')).e.installed.kafka;
    expect(record()).toMatchObject({ status: 'applied', drift: true });
    audit = 0;
    const clean = await runModuleCommand(runtime, { ...base, command: 'audit' }, quiet);
    expect(history(clean.historySeq).outcome).toBe('succeeded');
    expect(record().drift).toBeUndefined();
  });

  it('reports a timeout and merges nothing the unfinished run wrote', async () => {
    const before = 'azi:\n  status: applied\n';
    const dir = shared(before);
    const { runtime } = fakeRuntime((spec) => {
      writeFileSync(join(staged(spec), 'state.yml'), `${before}kafka: {status: applying}\n`);
      return 'hang';
    });
    const request = { repository, shared: dir, module: 'kafka', command: 'apply', by: 'e', timeoutMs: 5000 };
    await expect(runModuleCommand(runtime, request, quiet)).rejects.toMatchObject({
      code: 'E_RUN_TIMEOUT',
      message: expect.stringContaining(
        'kafka apply did not finish within 5s, so e killed and removed its container; nothing it wrote was merged',
      ),
    });
    expect(readFileSync(join(dir, 'state.yml'), 'utf8')).toBe(before);
  });

  it('refuses a stale saved plan before running anything', async () => {
    const dir = shared('kafka: {status: initialized}\n');
    const { runtime, runs } = fakeRuntime(() => 0);
    const plan = {
      format: 'e-plan/v1' as const,
      createdAt: '',
      module: 'kafka',
      version: '0.2.0',
      platform: 'linux/amd64',
      image: { ref: 'reg/kafka:0.2.0', id: 'sha256:id-reg/kafka@sha256:abc', digest: '' },
      stateSha256: sha256OrNull('kafka: {status: planned}\n'),
      configSha256: null,
      exitCode: 2,
    };
    const request = { repository, shared: dir, module: 'kafka', version: '0.2.0', command: 'apply', by: 'e', plan };
    await expect(runModuleCommand(runtime, request, quiet)).rejects.toThrow(
      'The saved plan for kafka is stale: state.yml changed.',
    );
    expect(runs).toEqual([]);
  });
});

describe('runs of one batch', () => {
  it("a run that ends while another one starts: the later run's copy holds the merge, and only its own section counts as changed", async () => {
    const dir = shared('{}\n');
    const twoModules: Repository = {
      source: 'repo.yml',
      components: ['kafka', 'zoo'].map((name) => ({
        name,
        type: 'docker',
        versions: [version('0.1.0', { latest: true, image: `reg/${name}:0.1.0` })],
      })),
    };
    let startZoo: () => Promise<unknown> = async () => undefined;
    let zoo: Promise<unknown> | undefined;
    const { runtime } = fakeRuntime((spec) => {
      const stage = staged(spec);
      const module = spec.image.includes('kafka') ? 'kafka' : 'zoo';
      // kafka's container runs while zoo starts (reads the state); kafka's merge comes before zoo's copy
      if (module === 'kafka') zoo = startZoo();
      const before = parse(readFileSync(join(stage, 'state.yml'), 'utf8')) ?? {};
      writeFileSync(join(stage, 'state.yml'), stringify({ ...before, [module]: { status: 'initialized' } }));
      return 0;
    });
    let kafkaDone: () => void = () => undefined;
    const kafkaMerged = new Promise<void>((resolve) => {
      kafkaDone = resolve;
    });
    let queue: Promise<unknown> = Promise.resolve();
    let sessions = 0;
    const session: RunSession = {
      runtime,
      shared: dir,
      by: 'e',
      notice: () => undefined,
      exclusive<R>(section: () => Promise<R>): Promise<R> {
        const result = queue.then(section, section);
        queue = result.catch(() => undefined);
        return result;
      },
      // the first run (kafka) goes on at once; the second (zoo) once kafka has merged
      get leftoversRemoved() {
        sessions += 1;
        return sessions === 1 ? Promise.resolve() : kafkaMerged;
      },
    };
    const prepare = (module: string) =>
      prepareRun(runtime, { repository: twoModules, shared: dir, module, command: 'init' }, {});
    const [kafka, zooRun] = [await prepare('kafka'), await prepare('zoo')];
    startZoo = () => runPrepared(session, zooRun, { repository: twoModules, module: 'zoo', command: 'init' }, quiet);
    await runPrepared(session, kafka, { repository: twoModules, module: 'kafka', command: 'init' }, quiet);
    kafkaDone();
    await zoo;
    const state = parse(readFileSync(join(dir, 'state.yml'), 'utf8'));
    expect(state.kafka).toEqual({ status: 'initialized' });
    expect(state.zoo).toEqual({ status: 'initialized' });
  });
});
