import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { ModuleVersion, Repository } from '../repository/model.js';
import type { ContainerRuntime, ImageDetails, RunSpec } from './container-runtime.js';
import { LABELS } from './labels.js';
import { sha256OrNull } from './plan-file.js';
import { runModuleCommand } from './run-module.js';

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
    expect(pulls).toEqual(['reg/kafka:0.2.0']);
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
    expect(spec.mounts).toEqual([{ source: dir, target: '/shared', readOnly: false }]);
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

  it('restores state.yml when the module deletes another section, and throws saying so', async () => {
    const before = 'azi:\n  status: applied # by hand\n';
    const dir = shared(before);
    const { runtime } = fakeRuntime(() => {
      writeFileSync(join(dir, 'state.yml'), 'kafka: {status: applied}\n');
      return 0;
    });
    await expect(
      runModuleCommand(runtime, { repository, shared: dir, module: 'kafka', command: 'apply', by: 'e' }, quiet),
    ).rejects.toThrow(
      'kafka apply broke the state rules; state.yml was restored as it was before the run because kafka deleted section azi.',
    );
    expect(readFileSync(join(dir, 'state.yml'), 'utf8')).toBe(before);
  });

  it('reports a timeout and rolls back what the unfinished run wrote', async () => {
    const before = 'azi:\n  status: applied\n';
    const dir = shared(before);
    const { runtime } = fakeRuntime(() => {
      writeFileSync(join(dir, 'state.yml'), `${before}kafka: {status: applying}\n`);
      return 'hang';
    });
    const request = { repository, shared: dir, module: 'kafka', command: 'apply', by: 'e', timeoutMs: 5000 };
    await expect(runModuleCommand(runtime, request, quiet)).rejects.toMatchObject({
      code: 'E_RUN_TIMEOUT',
      message: expect.stringContaining(
        'kafka apply did not finish within 5s, so e killed and removed its container; state.yml was restored as it was before the run because the run was timed-out before it finished',
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
      image: { ref: 'reg/kafka:0.2.0', id: 'sha256:id-reg/kafka:0.2.0', digest: '' },
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
