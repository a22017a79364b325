import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import type { ContainerRuntime, LabelledContainer } from './container-runtime.js';
import { LABELS, MANAGED_BY_VALUE, runLabels } from './labels.js';
import { cleanLeftoverContainers, describeContainer, findForeignContainers } from './remove-leftovers.js';

const SHARED = '/srv/e/shared';
const OTHER_SHARED = '/srv/e/elsewhere';
/** No such process: Linux pids stay below 2^22. */
const DEAD_PID = 2 ** 22 + 17;

function container(
  id: string,
  labels: { shared: string; pid: number; host: string; module?: string },
): LabelledContainer {
  return {
    id: `${id}${'0'.repeat(64 - id.length)}`,
    state: 'running',
    labels: runLabels({
      module: labels.module ?? 'kafka',
      version: '0.1.0',
      command: 'apply',
      shared: labels.shared,
      pid: labels.pid,
      host: labels.host,
      startedAt: new Date(),
      runId: `run-${id}`,
    }),
  };
}

/** A plain-object runtime holding `containers`; removeContainer takes them away. */
function fakeRuntime(containers: LabelledContainer[]) {
  const present = new Map(containers.map((c) => [c.id, c]));
  const removed: string[] = [];
  const runtime: ContainerRuntime = {
    endpoint: 'fake',
    enginePlatform: async () => ({ os: 'linux', architecture: 'amd64' }),
    inspectImage: async () => undefined,
    registryImage: async () => ({ digest: 'sha256:abc', platforms: [] }),
    pull: async () => undefined,
    run: async () => {
      throw new Error('not used');
    },
    listContainers: async (labels) =>
      [...present.values()].filter((c) => Object.entries(labels).every(([k, v]) => c.labels[k] === v)),
    removeContainer: async (id) => {
      removed.push(id);
      present.delete(id);
    },
  };
  return { runtime, removed: () => removed.map((id) => id.replace(/0+$/, '')) };
}

const here = hostname();
const livePid = process.ppid; // alive, not this process, and started before the labels' started-at

const cases: {
  name: string;
  labels: { shared: string; pid: number; host: string };
  removed: boolean;
  removedWithForce: boolean;
  foreign: boolean;
}[] = [
  {
    name: 'this host, dead e process, another shared directory',
    labels: { shared: OTHER_SHARED, pid: DEAD_PID, host: here },
    removed: true,
    removedWithForce: true,
    foreign: false,
  },
  {
    name: 'this host, dead e process, this shared directory',
    labels: { shared: SHARED, pid: DEAD_PID, host: here },
    removed: true,
    removedWithForce: true,
    foreign: false,
  },
  {
    // the caller holds the lock: no other process of this host can legitimately run on SHARED
    name: 'this host, another live process, this shared directory',
    labels: { shared: SHARED, pid: livePid, host: here },
    removed: true,
    removedWithForce: true,
    foreign: false,
  },
  {
    name: 'this host, another live process, another shared directory (its own lock)',
    labels: { shared: OTHER_SHARED, pid: livePid, host: here },
    removed: false,
    removedWithForce: false,
    foreign: false,
  },
  {
    name: 'the current process, this shared directory',
    labels: { shared: SHARED, pid: process.pid, host: here },
    removed: false,
    removedWithForce: false,
    foreign: false,
  },
  {
    name: 'another host, this shared directory',
    labels: { shared: SHARED, pid: DEAD_PID, host: 'ci-3.example' },
    removed: false,
    removedWithForce: true,
    foreign: true,
  },
  {
    name: 'another host with the same pid as this process, this shared directory',
    labels: { shared: SHARED, pid: process.pid, host: 'ci-3.example' },
    removed: false,
    removedWithForce: true,
    foreign: true,
  },
  {
    name: 'another host, another shared directory',
    labels: { shared: OTHER_SHARED, pid: DEAD_PID, host: 'ci-3.example' },
    removed: false,
    removedWithForce: false,
    foreign: false,
  },
  {
    name: 'no host label, this shared directory',
    labels: { shared: SHARED, pid: DEAD_PID, host: '' },
    removed: false,
    removedWithForce: true,
    foreign: true,
  },
];

describe('cleanLeftoverContainers', () => {
  for (const { name, labels, removed, removedWithForce, foreign } of cases) {
    it(`${name}: ${removed ? 'removed' : foreign ? 'reported as foreign' : 'kept'}`, async () => {
      const c = container('c1', labels);
      const plain = fakeRuntime([c]);
      const result = await cleanLeftoverContainers(plain.runtime, { shared: SHARED });
      expect(plain.removed()).toEqual(removed ? ['c1'] : []);
      expect(result).toEqual({ removed: removed ? [c] : [], foreign: foreign ? [c] : [] });

      const forced = fakeRuntime([c]);
      const forcedResult = await cleanLeftoverContainers(forced.runtime, { shared: SHARED, force: true });
      expect(forced.removed()).toEqual(removedWithForce ? ['c1'] : []);
      expect(forcedResult).toEqual({ removed: removedWithForce ? [c] : [], foreign: [] });
    });
  }

  it('sorts a mixed engine: removes leftovers, reports and keeps other hosts, ignores containers not e started', async () => {
    const dead = container('dead', { shared: OTHER_SHARED, pid: DEAD_PID, host: here });
    const mine = container('mine', { shared: SHARED, pid: process.pid, host: here });
    const remote = container('remote', { shared: SHARED, pid: 42, host: 'ci-3.example' });
    const stranger: LabelledContainer = {
      id: `stranger${'0'.repeat(56)}`,
      state: 'running',
      labels: { [LABELS.shared]: SHARED, [LABELS.pid]: String(DEAD_PID), [LABELS.host]: here },
    };
    const fake = fakeRuntime([dead, mine, remote, stranger]);
    expect(await cleanLeftoverContainers(fake.runtime, { shared: SHARED })).toEqual({
      removed: [dead],
      foreign: [remote],
    });
    expect(await findForeignContainers(fake.runtime, SHARED)).toEqual([remote]);
    expect(await cleanLeftoverContainers(fake.runtime, { shared: SHARED, force: true })).toEqual({
      removed: [remote],
      foreign: [],
    });
    expect(fake.removed()).toEqual(['dead', 'remote']);
    expect((await fake.runtime.listContainers({})).map((c) => c.id.replace(/0+$/, ''))).toEqual(['mine', 'stranger']);
  });
});

describe('describeContainer', () => {
  it('names the module, command and short id, and the host when another host started it', () => {
    expect(describeContainer(container('3f2a1b0c9d8e77', { shared: SHARED, pid: 1, host: here }))).toBe(
      'kafka apply (3f2a1b0c9d8e)',
    );
    expect(describeContainer(container('3f2a1b0c9d8e77', { shared: SHARED, pid: 1, host: 'ci-3' }))).toBe(
      'kafka apply (3f2a1b0c9d8e) from host ci-3',
    );
    expect(describeContainer(container('3f2a1b0c9d8e77', { shared: SHARED, pid: 1, host: '' }))).toBe(
      'kafka apply (3f2a1b0c9d8e) from an unknown host',
    );
  });
});

describe('runLabels', () => {
  it('labels the run id as org.e.run.id', () => {
    const labels = container('c1', { shared: SHARED, pid: 1, host: here }).labels;
    expect(labels).toMatchObject({ 'org.e.run.id': 'run-c1', [LABELS.managedBy]: MANAGED_BY_VALUE });
  });
});

describe("a remote run's named volumes (read-only inputs) left by a killed e", () => {
  it('go by the containers’ rule on a remote engine: a dead or same-directory process of this host, never the current one', async () => {
    const volumes = [
      { ...container('dead', { shared: OTHER_SHARED, pid: DEAD_PID, host: here }), id: 'e-ro-dead' },
      { ...container('same', { shared: SHARED, pid: livePid, host: here }), id: 'e-ro-same' },
      { ...container('mine', { shared: SHARED, pid: process.pid, host: here }), id: 'e-ro-mine' },
      { ...container('live', { shared: OTHER_SHARED, pid: livePid, host: here }), id: 'e-ro-live' },
      { ...container('away', { shared: SHARED, pid: 42, host: 'ci-elsewhere' }), id: 'e-ro-away' },
    ];
    const removedVolumes: string[] = [];
    const make = (remote: boolean) => ({
      ...fakeRuntime([]).runtime,
      remote,
      listVolumes: async () => volumes.map((v) => ({ name: v.id, labels: v.labels })),
      removeVolume: async (name: string) => {
        removedVolumes.push(name);
      },
    });
    await cleanLeftoverContainers(make(false), { shared: SHARED });
    expect(removedVolumes).toEqual([]); // a local engine gets bind mounts, never these volumes
    await cleanLeftoverContainers(make(true), { shared: SHARED });
    expect(removedVolumes.sort()).toEqual(['e-ro-dead', 'e-ro-same']);
    removedVolumes.length = 0;
    await cleanLeftoverContainers(make(true), { shared: SHARED, force: true });
    expect(removedVolumes.sort()).toEqual(['e-ro-away', 'e-ro-dead', 'e-ro-same']);
  });
});
