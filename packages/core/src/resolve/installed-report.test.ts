import { describe, expect, it } from 'vitest';
import type { Labels, MatchExpression, ModuleVersion, Repository, Requirement } from '../repository/model.js';
import { matchesRequirement } from '../selector/match.js';
import { parseSelector } from '../selector/parse-selector.js';
import type { InstalledRecord } from '../state/installed-records.js';
import { influencedInstalledModules } from './influences.js';
import { parseInstallRequest } from './install-request.js';
import { dependencyGraph, missingCompanions, newerVersions, strongDependents } from './installed-report.js';
import { LabelIndex } from './label-index.js';
import { sequence } from './sequence.js';

function mv(
  version: string,
  labels: Record<string, string>,
  req: { strong?: string[]; weak?: string[]; influences?: string[] } = {},
): ModuleVersion {
  return {
    version,
    latest: false,
    mounts: [],
    labels,
    requires: { strong: (req.strong ?? []).map(parseSelector), weak: (req.weak ?? []).map(parseSelector) },
    influences: (req.influences ?? []).map(parseSelector),
    requirements: { images: [], files: [], packages: [] },
    commands: [],
  };
}

const repo: Repository = {
  source: 'test',
  components: [
    { name: 'azi', type: 'docker', versions: [mv('0.1.0', { kind: 'infrastructure', provider: 'azure' })] },
    { name: 'awsi', type: 'docker', versions: [mv('0.1.0', { kind: 'infrastructure', provider: 'aws' })] },
    {
      name: 'kafka',
      type: 'docker',
      versions: ['0.1.0', '0.2.0'].map((v) =>
        mv(
          v,
          { kind: 'stream-processor' },
          {
            strong: ['kind=infrastructure'],
            weak: ['kind=monitoring', 'kind=logs-storage'],
            influences: ['kind=monitoring'],
          },
        ),
      ),
    },
    { name: 'monitoring', type: 'docker', versions: [mv('0.1.0', { kind: 'monitoring' })] },
  ],
};

function record(version: string, labels: Record<string, string>, status = 'applied'): InstalledRecord {
  return { version, labels, status, installedAt: 't', updatedAt: 't', needsPlan: false };
}

const installed = {
  azi: record('0.1.0', { kind: 'infrastructure', provider: 'azure' }),
  kafka: record('0.1.0', { kind: 'stream-processor' }),
  monitoring: record('0.1.0', { kind: 'monitoring' }),
};

describe('sequence', () => {
  it.each([
    { name: 'chain', deps: { a: ['b'], b: ['c'], c: [] }, chunks: [['c'], ['b'], ['a']], cycles: [] },
    {
      name: 'diamond',
      deps: { a: ['b', 'c'], b: ['d'], c: ['d'], d: [] },
      chunks: [['d'], ['b', 'c'], ['a']],
      cycles: [],
    },
    { name: 'outside deps ignored', deps: { a: ['zzz'] }, chunks: [['a']], cycles: [] },
    { name: 'cycle', deps: { a: ['b'], b: ['a'], c: [] }, chunks: [['c']], cycles: ['a', 'b'] },
  ])('$name', ({ deps, chunks, cycles }) => {
    const graph = deps as Record<string, string[]>;
    const result = sequence(Object.keys(graph), (n) => graph[n] ?? []);
    expect(result).toEqual({ safe: cycles.length === 0, chunks, cycles });
  });
});

describe('LabelIndex', () => {
  it.each([
    { selector: 'kind=db', want: ['a', 'b'] },
    { selector: 'kind in (db,cache)', want: ['a', 'b', 'c'] },
    { selector: 'size=5', want: ['a'] }, // a number label matches its text
    { selector: 'size>3', want: ['a'] },
    { selector: 'kind!=db', want: ['c', 'd'] }, // a missing key matches !=
    { selector: '!kind', want: ['d'] },
    { selector: 'version>=1.10.0', want: ['b'] },
    { selector: 'version>=1.10.0,kind=db', want: ['b'] },
    { selector: '', want: ['a', 'b', 'c', 'd'] },
  ])('$selector → $want', ({ selector, want }) => {
    const index = new LabelIndex<string>();
    index.add({ kind: 'db', size: 5, version: '1.9.0' }, 'a');
    index.add({ kind: 'db', version: '1.10' }, 'b');
    index.add({ kind: 'cache', size: 2 }, 'c');
    index.add({}, 'd');
    expect(index.matching(selector === '' ? [] : parseSelector(selector))).toEqual(want);
  });

  it('answers each comparing expression as the selector does, with its results kept across queries', () => {
    const items: [Labels, string][] = [
      [{ version: '1.9.0', size: 5 }, 'a'],
      [{ version: '1.10.0', size: '5' }, 'b'],
      [{ version: '2.0.0-rc.1', size: 12 }, 'c'],
      [{ version: 3, size: true }, 'd'],
      [{ version: '3.1.0' }, 'e'],
    ];
    const index = new LabelIndex<string>();
    for (const [labels, item] of items) index.add(labels, item);
    const semver = (...values: string[]): MatchExpression => ({ key: 'version', operator: 'semver', values });
    const requirements: [string, Requirement][] = [
      ['semver >=1.0.0 <2', [semver('>=1.0.0 <2')]],
      ['semver >=1.0.0 <2 or >=3', [semver('>=1.0.0 <2', '>=3')]], // the same first value, another list
      ['semver >=3', [semver('>=3')]],
      ['semver <1.10.0 or >=3', [semver('<1.10.0', '>=3')]], // another list of two
      ...['version>=1.10.0', 'version<=1.10.0', 'size>4', 'size<6'].map((s): [string, Requirement] => [
        s,
        parseSelector(s),
      ]),
      ['size>4 and semver >=1.0.0 <2', [...parseSelector('size>4'), semver('>=1.0.0 <2')]],
    ];
    // twice over: the second round is answered from what the first kept
    for (const [selector, requirement] of [...requirements, ...requirements]) {
      const want = items.filter(([labels]) => matchesRequirement(labels, requirement)).map(([, item]) => item);
      expect(index.matching(requirement), selector).toEqual(want);
    }
  });
});

describe('influencedInstalledModules', () => {
  it('names installed modules the applied version influences, never itself', () => {
    expect(
      influencedInstalledModules({ module: 'kafka', moduleVersion: repo.components[2]!.versions[1]! }, installed),
    ).toEqual(['monitoring']);
    expect(
      influencedInstalledModules({ module: 'azi', moduleVersion: repo.components[0]!.versions[0]! }, installed),
    ).toEqual([]);
  });
  it('skips destroyed modules', () => {
    const gone = { ...installed, monitoring: record('0.1.0', { kind: 'monitoring' }, 'destroyed') };
    expect(
      influencedInstalledModules({ module: 'kafka', moduleVersion: repo.components[2]!.versions[0]! }, gone),
    ).toEqual([]);
  });
});

describe('installed report', () => {
  it('strongDependents: who would lose a requirement', () => {
    expect(strongDependents(repo, installed, 'azi').map((d) => d.module)).toEqual(['kafka']);
    expect(strongDependents(repo, installed, 'monitoring')).toEqual([]);
    const both = { ...installed, awsi: record('0.1.0', { kind: 'infrastructure', provider: 'aws' }) };
    expect(strongDependents(repo, both, 'azi')).toEqual([]); // awsi still meets it
  });
  it('missingCompanions: weak requirements nothing installed meets', () => {
    expect(missingCompanions(repo, installed, 'kafka').map((r) => r[0]?.values[0])).toEqual(['logs-storage']);
  });
  it('newerVersions', () => {
    expect(newerVersions(repo, 'kafka', '0.1.0')).toEqual(['0.2.0']);
    expect(newerVersions(repo, 'kafka', '0.2.0')).toEqual([]);
  });
  it('dependencyGraph draws strong, weak and influences edges', () => {
    const graph = dependencyGraph(repo, installed);
    expect(graph.nodes.map((n) => n.module)).toEqual(['azi', 'kafka', 'monitoring']);
    expect(graph.edges.map((e) => `${e.from} ${e.kind} ${e.to}`)).toEqual([
      'kafka strong azi',
      'kafka weak monitoring',
      'kafka influences monitoring',
    ]);
    expect(dependencyGraph(repo, installed, { all: true }).nodes.map((n) => n.module)).toEqual([
      'awsi',
      'azi',
      'kafka',
      'monitoring',
    ]);
  });
  it('dependencyGraph carries the flags e status shows (needs plan, drift) on installed nodes', () => {
    const flagged = {
      ...installed,
      kafka: { ...record('0.1.0', { kind: 'stream-processor' }), drift: true },
      monitoring: { ...record('0.1.0', { kind: 'monitoring' }), needsPlan: true },
    };
    expect(dependencyGraph(repo, flagged, { all: true }).nodes).toEqual([
      { module: 'awsi', version: expect.any(String), installed: false },
      { module: 'azi', version: '0.1.0', installed: true, status: 'applied' },
      { module: 'kafka', version: '0.1.0', installed: true, status: 'applied', drift: true },
      { module: 'monitoring', version: '0.1.0', installed: true, status: 'applied', needsPlan: true },
    ]);
  });
});

describe('parseInstallRequest', () => {
  it.each([
    ['kafka', { name: 'kafka' }],
    ['kafka@0.2.0', { name: 'kafka', version: '0.2.0' }],
    ['kafka@^0.1', { name: 'kafka', version: '^0.1' }],
    ['kafka@>=0.1.0 <0.3', { name: 'kafka', version: '>=0.1.0 <0.3' }],
  ])('%s', (text, want) => expect(parseInstallRequest(text)).toEqual(want));
  it.each(['Kafka', '@0.1', 'kafka@', 'kafka@latest', 'kaf ka'])('%s is refused in one sentence', (text) => {
    expect(() => parseInstallRequest(text)).toThrow(/does not name a module|neither a version nor a semver range/);
  });
});
