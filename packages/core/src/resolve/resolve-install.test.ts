import { describe, expect, it } from 'vitest';
import type { ModuleVersion, Repository } from '../repository/model.js';
import { parseSelector } from '../selector/parse-selector.js';
import type { InstalledRecord } from '../state/installed-records.js';
import { formatExplanation } from './format-explanation.js';
import { parseInstallRequest } from './install-request.js';
import type { Reason, ResolveResult } from './resolution.js';
import { type ResolveOptions, resolveInstall } from './resolve-install.js';

interface VersionSpec {
  version: string;
  latest?: boolean;
  labels?: Record<string, string>;
  strong?: string[];
  weak?: string[];
  influences?: string[];
}

/** A repository from a compact spec; requirements are kubectl-style selector strings. */
function repository(spec: Record<string, VersionSpec[]>): Repository {
  return {
    source: 'test',
    components: Object.entries(spec).map(([name, versions]) => ({
      name,
      type: 'docker' as const,
      versions: versions.map(
        (v): ModuleVersion => ({
          version: v.version,
          latest: v.latest ?? false,
          image: `localhost:5000/modules/${name}:${v.version}`,
          mounts: [],
          labels: { name, version: v.version, ...v.labels },
          requires: { strong: (v.strong ?? []).map(parseSelector), weak: (v.weak ?? []).map(parseSelector) },
          influences: (v.influences ?? []).map(parseSelector),
          requirements: { images: [], files: [], packages: [] },
          commands: [],
        }),
      ),
    })),
  };
}

function installed(
  repo: Repository,
  list: Record<string, { version: string; status?: string; needsPlan?: boolean }>,
): Record<string, InstalledRecord> {
  return Object.fromEntries(
    Object.entries(list).map(([name, r]) => {
      const mv = repo.components.find((c) => c.name === name)?.versions.find((v) => v.version === r.version);
      const record: InstalledRecord = {
        version: r.version,
        labels: { ...(mv?.labels ?? { name }) },
        status: r.status ?? 'applied',
        installedAt: '2024-01-01T00:00:00.000Z',
        updatedAt: '2024-01-01T00:00:00.000Z',
        needsPlan: r.needsPlan ?? false,
      };
      return [name, record];
    }),
  );
}

function resolve(
  repo: Repository,
  request: string,
  options: ResolveOptions = {},
  inst: Record<string, { version: string; status?: string }> = {},
): ResolveResult {
  return resolveInstall({
    repository: repo,
    installed: installed(repo, inst),
    request: parseInstallRequest(request),
    options,
  });
}

function order(result: ResolveResult): string[] {
  if (!result.ok) throw new Error(formatExplanation(result.explanation).join('\n'));
  return result.steps.map((s) => `${s.module}@${s.version}`);
}

function reasons(result: ResolveResult): Reason[] {
  if (result.ok) throw new Error(`expected a failure, got ${order(result).join(' ')}`);
  return result.explanation.reasons;
}

function text(result: ResolveResult): string {
  if (result.ok) throw new Error('expected a failure');
  return formatExplanation(result.explanation).join('\n');
}

// The design's example modules, reduced to what resolution looks at.
const design = repository({
  azi: [{ version: '0.1.0', latest: true, labels: { kind: 'infrastructure', provider: 'azure' } }],
  awsi: [{ version: '0.1.0', latest: true, labels: { kind: 'infrastructure', provider: 'aws' } }],
  kafka: [
    {
      version: '0.1.0',
      labels: { kind: 'stream-processor' },
      strong: ['kind=infrastructure,provider in (azure,aws)'],
      weak: ['kind=logs-storage', 'kind=monitoring,core-technology=prometheus'],
      influences: ['kind=monitoring'],
    },
    {
      version: '0.2.0',
      latest: true,
      labels: { kind: 'stream-processor' },
      strong: ['kind=infrastructure,provider in (azure,aws)'],
      weak: ['kind=logs-storage', 'kind=monitoring,core-technology=prometheus'],
      influences: ['kind=monitoring'],
    },
  ],
  monitoring: [{ version: '0.1.0', latest: true, labels: { kind: 'monitoring', 'core-technology': 'prometheus' } }],
  logging: [{ version: '0.1.0', latest: true, labels: { kind: 'logs-storage' } }],
  kubernetes: [{ version: '0.1.0', latest: true, labels: { kind: 'orchestrator' }, strong: ['kind=infrastructure'] }],
  rook: [{ version: '0.1.0', latest: true, labels: { kind: 'persistence' }, strong: ['kind=orchestrator'] }],
  postgresql: [{ version: '0.1.0', latest: true, labels: { kind: 'database' }, strong: ['kind=persistence'] }],
});

describe('resolveInstall without --with-deps', () => {
  it('installs a module whose strong requirements applied modules meet', () => {
    expect(order(resolve(design, 'kafka', {}, { azi: { version: '0.1.0' } }))).toEqual(['kafka@0.2.0']);
  });

  it('stops naming the requirement and the repository versions that would meet it', () => {
    const result = resolve(design, 'kafka@0.1.0');
    expect(reasons(result)).toEqual([
      expect.objectContaining({
        kind: 'unmet',
        module: 'kafka',
        version: '0.1.0',
        candidates: [
          { module: 'awsi', version: '0.1.0' },
          { module: 'azi', version: '0.1.0' },
        ],
      }),
    ]);
    expect(text(result)).toContain(
      'kafka 0.1.0 needs kind=infrastructure,provider in (azure,aws): nothing installed matches; candidates: awsi 0.1.0, azi 0.1.0',
    );
  });

  it('the design story: postgresql on infrastructure alone names persistence and rook', () => {
    const result = resolve(design, 'postgresql', {}, { azi: { version: '0.1.0' } });
    expect(text(result)).toContain(
      'postgresql 0.1.0 needs kind=persistence: nothing installed matches; candidates: rook 0.1.0',
    );
  });

  it('a module installed but not applied does not meet a requirement, and says so', () => {
    const result = resolve(design, 'kafka', {}, { azi: { version: '0.1.0', status: 'failed' } });
    expect(text(result)).toContain('(azi 0.1.0 is installed but failed, not applied)');
  });

  it('lists every unmet requirement, not just the first', () => {
    const repo = repository({
      a: [{ version: '1.0.0', strong: ['kind=x', 'kind=y'] }],
      x: [{ version: '1.0.0', labels: { kind: 'x' } }],
    });
    const got = reasons(resolve(repo, 'a'));
    expect(got.map((r) => r.kind)).toEqual(['unmet', 'unmet']);
    expect(text(resolve(repo, 'a'))).toContain(
      'a 1.0.0 needs kind=y: nothing installed matches; no module in the repository matches either',
    );
  });
});

describe('resolveInstall choosing versions', () => {
  const versions = repository({
    lib: [{ version: '1.2.0' }, { version: '1.10.0' }, { version: '2.0.0-rc.1' }, { version: '1.9.0', latest: true }],
    app: [{ version: '1.0.0', strong: ['name=lib,version>=1.10.0'] }],
  });
  const table: {
    request: string;
    options?: ResolveOptions;
    inst?: Record<string, { version: string }>;
    want: string[];
  }[] = [
    { request: 'lib', want: ['lib@1.9.0'] }, // latest wins over highest
    { request: 'lib@1.2.0', want: ['lib@1.2.0'] },
    { request: 'lib@^1.3', want: ['lib@1.9.0'] }, // latest still preferred within the range
    { request: 'lib@>=1.10', want: ['lib@1.10.0'] }, // highest when latest is out of range
    { request: 'lib@^1', inst: { lib: { version: '1.2.0' } }, want: ['lib@1.2.0'] }, // installed first
    { request: 'app', options: { withDeps: true }, want: ['lib@1.10.0', 'app@1.0.0'] }, // dependency range
  ];
  it.each(table)('$request → $want', ({ request, options, inst, want }) => {
    expect(order(resolve(versions, request, options, inst))).toEqual(want);
  });

  it('a version the component does not have lists the available ones', () => {
    expect(text(resolve(versions, 'lib@^3'))).toContain(
      'lib has no version matching "^3" (available: 1.2.0, 1.9.0, 1.10.0, 2.0.0-rc.1)',
    );
  });

  it('an unknown module suggests the closest name', () => {
    expect(reasons(resolve(design, 'kafak'))).toEqual([
      { kind: 'unknown-module', module: 'kafak', suggestion: 'kafka' },
    ]);
  });

  it('installing another version of an installed module points to upgrade', () => {
    const result = resolve(design, 'kafka@0.2.0', {}, { azi: { version: '0.1.0' }, kafka: { version: '0.1.0' } });
    expect(text(result)).toContain('use e module upgrade kafka 0.2.0');
    const upgrade = resolve(
      design,
      'kafka@0.2.0',
      { upgrade: true },
      { azi: { version: '0.1.0' }, kafka: { version: '0.1.0' } },
    );
    expect(upgrade.ok && upgrade.steps[0]).toMatchObject({
      module: 'kafka',
      action: 'upgrade',
      installedVersion: '0.1.0',
    });
  });

  it('an upgrade without a version moves to the highest stable version, not to latest', () => {
    const repo = repository({
      lib: [{ version: '1.0.0', latest: true }, { version: '1.2.0' }, { version: '2.0.0-rc.1' }],
    });
    const upgrade = resolve(repo, 'lib', { upgrade: true }, { lib: { version: '1.0.0' } });
    expect(upgrade.ok && upgrade.steps[0]).toMatchObject({ version: '1.2.0', action: 'upgrade' });
    const pinned = resolve(repo, 'lib@2.0.0-rc.1', { upgrade: true }, { lib: { version: '1.0.0' } });
    expect(pinned.ok && pinned.steps[0]).toMatchObject({ version: '2.0.0-rc.1', action: 'upgrade' });
  });

  it('without a version, an installed module is installed again at its version', () => {
    const result = resolve(design, 'kafka', {}, { azi: { version: '0.1.0' }, kafka: { version: '0.1.0' } });
    expect(result.ok && result.steps[0]).toMatchObject({ version: '0.1.0', action: 'reapply' });
  });
});

describe('resolveInstall --with-deps', () => {
  it('the design story: kubernetes → rook → postgresql on top of infrastructure', () => {
    const result = resolve(design, 'postgresql', { withDeps: true }, { azi: { version: '0.1.0' } });
    expect(order(result)).toEqual(['kubernetes@0.1.0', 'rook@0.1.0', 'postgresql@0.1.0']);
    expect(result.ok && result.steps.map((s) => s.neededBy.map((n) => n.module))).toEqual([
      ['rook'],
      ['postgresql'],
      [],
    ]);
    expect(result.ok && result.chunks).toEqual([['kubernetes'], ['rook'], ['postgresql']]);
  });

  it('chains: a → b → c → d resolve bottom-up', () => {
    const repo = repository({
      a: [{ version: '1.0.0', strong: ['name=b'] }],
      b: [{ version: '1.0.0', strong: ['name=c'] }],
      c: [{ version: '1.0.0', strong: ['name=d'] }],
      d: [{ version: '1.0.0' }],
    });
    expect(order(resolve(repo, 'a', { withDeps: true }))).toEqual(['d@1.0.0', 'c@1.0.0', 'b@1.0.0', 'a@1.0.0']);
  });

  it('diamonds: the shared dependency is installed once, and independent steps share a chunk', () => {
    const repo = repository({
      top: [{ version: '1.0.0', strong: ['name=left', 'name=right'] }],
      left: [{ version: '1.0.0', strong: ['name=base'] }],
      right: [{ version: '1.0.0', strong: ['name=base,version>=1'] }],
      base: [{ version: '1.0.0' }, { version: '0.9.0' }],
    });
    const result = resolve(repo, 'top', { withDeps: true });
    expect(order(result)).toEqual(['base@1.0.0', 'left@1.0.0', 'right@1.0.0', 'top@1.0.0']);
    expect(result.ok && result.chunks).toEqual([['base'], ['left', 'right'], ['top']]);
  });

  it('cycles: a → b → a is printed', () => {
    const repo = repository({
      a: [{ version: '1.0.0', labels: { kind: 'a' }, strong: ['kind=b'] }],
      b: [{ version: '1.0.0', labels: { kind: 'b' }, strong: ['kind=a'] }],
    });
    const result = resolve(repo, 'a', { withDeps: true });
    expect(result.ok || result.explanation.cycles).toEqual([
      [
        { module: 'a', version: '1.0.0' },
        { module: 'b', version: '1.0.0' },
        { module: 'a', version: '1.0.0' },
      ],
    ]);
    expect(text(result)).toContain('cycle: a 1.0.0 → b 1.0.0 → a 1.0.0');
  });

  it('a cycle through one candidate is avoided when another candidate meets the requirement', () => {
    const repo = repository({
      a: [{ version: '1.0.0', labels: { kind: 'a' }, strong: ['kind=b'] }],
      b: [{ version: '1.0.0', labels: { kind: 'b' }, strong: ['kind=a'] }],
      c: [{ version: '1.0.0', labels: { kind: 'b' } }],
    });
    expect(order(resolve(repo, 'a', { withDeps: true }))).toEqual(['c@1.0.0', 'a@1.0.0']);
  });

  it('conflicts: two versions of one component are refused, naming who chose the first', () => {
    const repo = repository({
      app: [{ version: '1.0.0', strong: ['name=x', 'name=y'] }],
      x: [{ version: '1.0.0', strong: ['name=lib,version<2'] }],
      y: [{ version: '1.0.0', strong: ['name=lib,version>=2'] }],
      lib: [{ version: '1.0.0' }, { version: '2.0.0' }],
    });
    const result = resolve(repo, 'app', { withDeps: true });
    const out = text(result);
    expect(out).toContain('y 1.0.0 needs name=lib,version>=2: every candidate is ruled out:');
    expect(out).toContain('- lib 2.0.0: conflicts with lib 1.0.0, already chosen for x');
  });

  it('an installed version that does not fit is ruled out, not replaced', () => {
    const repo = repository({
      app: [{ version: '1.0.0', strong: ['name=lib,version>=2'] }],
      lib: [{ version: '1.0.0' }, { version: '2.0.0' }],
    });
    const result = resolve(repo, 'app', { withDeps: true }, { lib: { version: '1.0.0' } });
    expect(text(result)).toContain(
      '- lib 2.0.0: lib 1.0.0 is installed (changing it takes e module upgrade lib 2.0.0)',
    );
  });

  it('dead ends: each candidate is ruled out with its own reason, nested', () => {
    const repo = repository({
      app: [{ version: '1.0.0', strong: ['kind=db'] }],
      pg: [{ version: '1.0.0', labels: { kind: 'db' }, strong: ['kind=storage'] }],
      my: [{ version: '1.0.0', labels: { kind: 'db' }, strong: ['kind=disk'] }],
    });
    const out = text(resolve(repo, 'app', { withDeps: true }));
    expect(out).toBe(
      [
        'cannot install app:',
        '  app 1.0.0 needs kind=db: every candidate is ruled out:',
        '    - my 1.0.0: cannot be installed, because',
        '        my 1.0.0 needs kind=disk: no module in the repository matches',
        '    - pg 1.0.0: cannot be installed, because',
        '        pg 1.0.0 needs kind=storage: no module in the repository matches',
      ].join('\n'),
    );
  });

  it('falls back to an older version of a dependency when the preferred one is a dead end', () => {
    const repo = repository({
      app: [{ version: '1.0.0', strong: ['name=lib'] }],
      lib: [{ version: '2.0.0', latest: true, strong: ['name=missing'] }, { version: '1.0.0' }],
    });
    expect(order(resolve(repo, 'app', { withDeps: true }))).toEqual(['lib@1.0.0', 'app@1.0.0']);
  });

  it('tries the versions of a dependency latest first, then stable from the highest, then pre-releases', () => {
    // the preference order of these four versions, whatever order the repository lists them in
    const preferred = ['1.5.0', '2.0.0', '1.0.0', '3.0.0-rc.1'];
    const lib = (listed: string[], deadEnds: string[]): VersionSpec[] =>
      listed.map((version) => ({
        version,
        latest: version === '1.5.0',
        strong: deadEnds.includes(version) ? ['name=missing'] : [],
      }));
    const chosen = (listed: string[], deadEnds: string[] = []) => {
      const repo = repository({ app: [{ version: '1.0.0', strong: ['name=lib'] }], lib: lib(listed, deadEnds) });
      return order(resolve(repo, 'app', { withDeps: true }))[0];
    };
    for (const listed of [preferred, [...preferred].reverse(), ['1.0.0', '3.0.0-rc.1', '1.5.0', '2.0.0']]) {
      // with the k most preferred versions made dead ends, the next one is chosen
      for (const [k, version] of preferred.entries()) {
        expect(chosen(listed, preferred.slice(0, k))).toBe(`lib@${version}`);
      }
    }
    // two versions (compared without a sort): each pair, listed either way
    for (const a of preferred) {
      for (const b of preferred) {
        if (a === b) continue;
        const first = preferred.indexOf(a) < preferred.indexOf(b) ? a : b;
        expect(chosen([a, b])).toBe(`lib@${first}`);
        expect(chosen([a, b], [first])).toBe(`lib@${first === a ? b : a}`);
      }
    }
  });

  it('ambiguity: two components meet one requirement; the CLI can ask, or --prefer decides', () => {
    const result = resolve(design, 'kafka', { withDeps: true });
    expect(reasons(result)).toEqual([
      expect.objectContaining({
        kind: 'ambiguous',
        module: 'kafka',
        candidates: [
          { module: 'awsi', version: '0.1.0' },
          { module: 'azi', version: '0.1.0' },
        ],
      }),
    ]);
    expect(order(resolve(design, 'kafka', { withDeps: true, prefer: ['azi'] }))).toEqual(['azi@0.1.0', 'kafka@0.2.0']);
    expect(order(resolve(design, 'kafka', { withDeps: true, prefer: ['awsi'] }))).toEqual([
      'awsi@0.1.0',
      'kafka@0.2.0',
    ]);
  });

  it('ambiguity disappears when one candidate is a dead end', () => {
    const repo = repository({
      app: [{ version: '1.0.0', strong: ['kind=db'] }],
      pg: [{ version: '1.0.0', labels: { kind: 'db' } }],
      my: [{ version: '1.0.0', labels: { kind: 'db' }, strong: ['kind=disk'] }],
    });
    expect(order(resolve(repo, 'app', { withDeps: true }))).toEqual(['pg@1.0.0', 'app@1.0.0']);
  });

  it('an installed, applied module meets a requirement without a step', () => {
    expect(
      order(
        resolve(
          design,
          'postgresql',
          { withDeps: true },
          { azi: { version: '0.1.0' }, kubernetes: { version: '0.1.0' } },
        ),
      ),
    ).toEqual(['rook@0.1.0', 'postgresql@0.1.0']);
  });

  it('an installed module that failed is retried at its version', () => {
    const result = resolve(
      design,
      'rook',
      { withDeps: true },
      { azi: { version: '0.1.0' }, kubernetes: { version: '0.1.0', status: 'failed' } },
    );
    expect(result.ok && result.steps.map((s) => [s.module, s.action])).toEqual([
      ['kubernetes', 'retry'],
      ['rook', 'install'],
    ]);
  });

  it('is deterministic', () => {
    const a = resolve(design, 'postgresql', { withDeps: true, prefer: ['awsi'] });
    const b = resolve(design, 'postgresql', { withDeps: true, prefer: ['awsi'] });
    expect(order(a)).toEqual(['awsi@0.1.0', 'kubernetes@0.1.0', 'rook@0.1.0', 'postgresql@0.1.0']);
    expect(a).toEqual(b);
  });

  it('gives up with an explanation past its budget', () => {
    const result = resolve(design, 'postgresql', { withDeps: true, prefer: ['azi'], budget: 2 });
    expect(reasons(result)).toEqual([{ kind: 'too-complex', visited: 3 }]);
  });
});

describe('weak requirements', () => {
  it('order only: a companion in the plan goes first', () => {
    const repo = repository({
      app: [{ version: '1.0.0', strong: ['name=db'], weak: ['name=metrics'] }],
      db: [{ version: '1.0.0', strong: ['name=metrics'] }],
      metrics: [{ version: '1.0.0' }],
    });
    const result = resolve(repo, 'app', { withDeps: true });
    expect(order(result)).toEqual(['metrics@1.0.0', 'db@1.0.0', 'app@1.0.0']);
    expect(result.ok && result.steps[2]!.after).toEqual([
      { module: 'db', kind: 'strong' },
      { module: 'metrics', kind: 'weak' },
    ]);
  });

  it('a missing companion is a notice naming the candidates, not a failure', () => {
    const result = resolve(design, 'kafka', {}, { azi: { version: '0.1.0' } });
    expect(result.ok && result.notices.filter((n) => n.kind === 'missing-weak')).toEqual([
      expect.objectContaining({ module: 'kafka', candidates: [{ module: 'logging', version: '0.1.0' }] }),
      expect.objectContaining({ module: 'kafka', candidates: [{ module: 'monitoring', version: '0.1.0' }] }),
    ]);
  });

  it('an installed companion is no notice', () => {
    const result = resolve(
      design,
      'kafka',
      {},
      { azi: { version: '0.1.0' }, logging: { version: '0.1.0' }, monitoring: { version: '0.1.0' } },
    );
    expect(result.ok && result.notices.filter((n) => n.kind === 'missing-weak')).toEqual([]);
  });

  it('a weak order that contradicts the strong order is dropped with a notice', () => {
    const repo = repository({
      app: [{ version: '1.0.0', strong: ['name=db'] }],
      db: [{ version: '1.0.0', weak: ['name=app'] }],
    });
    const result = resolve(repo, 'app', { withDeps: true });
    expect(order(result)).toEqual(['db@1.0.0', 'app@1.0.0']);
    expect(result.ok && result.notices).toContainEqual({ kind: 'weak-order-dropped', module: 'db', companion: 'app' });
  });
});

describe('influences in a plan', () => {
  it('names the installed modules that will need a plan', () => {
    const result = resolve(design, 'kafka', {}, { azi: { version: '0.1.0' }, monitoring: { version: '0.1.0' } });
    expect(result.ok && result.notices).toContainEqual({
      kind: 'influences',
      module: 'kafka',
      version: '0.2.0',
      influenced: ['monitoring'],
    });
  });
});

describe('scale', () => {
  // how fast is bench/resolve.mjs's business: a timing assertion here only fails on a loaded machine
  it('resolves a chain of 8,000 components without overflowing the stack', () => {
    const spec: Record<string, VersionSpec[]> = {};
    const n = 8000;
    for (let i = 0; i < n; i++) {
      const next = i + 1 < n ? [`kind=k${i + 1},version>=1.0.0`] : [];
      spec[`c${i}`] = [
        { version: '1.0.0', labels: { kind: `k${i}` }, strong: next, weak: [`kind=k${i + 2}`] },
        { version: '1.1.0', latest: true, labels: { kind: `k${i}` }, strong: next, weak: [`kind=k${i + 2}`] },
      ];
    }
    const repo = repository(spec);
    const result = resolve(repo, 'c0', { withDeps: true });
    expect(result.ok && result.steps.length).toBe(n);
    expect(result.ok && result.steps[0]!.module).toBe(`c${n - 1}`);
  });
});
