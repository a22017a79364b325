import { describe, expect, it } from 'vitest';
import { changedPaths, checkStateChange } from './check-state-change.js';

const base = `# shared state
azi:
  status: applied
  nodes:
    - {name: n1, ip: 10.0.0.1}
    - {name: n2, ip: 10.0.0.2}
kafka:
  status: initialized
monitoring:
  status: applied
e:
  installed:
    azi: {version: "0.1.0", status: applied}
`;

const edit = (from: string, to: string) => {
  if (!base.includes(from)) throw new Error(`fixture does not contain ${from}`);
  return base.replace(from, to);
};

describe('checkStateChange', () => {
  const cases: {
    name: string;
    after: string | undefined;
    allowed?: string[];
    ok: boolean;
    problems?: string[];
    changed?: string[];
  }[] = [
    { name: 'no change', after: base, ok: true, changed: [] },
    {
      name: 'own section changed',
      after: edit('status: initialized', 'status: applied'),
      ok: true,
      changed: ['kafka'],
    },
    {
      name: 'own section deleted',
      after: base.replace('kafka:\n  status: initialized\n', ''),
      ok: true,
      changed: ['kafka'],
    },
    {
      name: 'reformatted by another YAML library, same values',
      after:
        'azi:\n  status: "applied"\n  nodes: [{name: n1, ip: 10.0.0.1}, {name: n2, ip: 10.0.0.2}]\nkafka: {status: applied}\nmonitoring: {status: applied}\ne: {installed: {azi: {version: "0.1.0", status: applied}}}\n',
      ok: true,
      changed: ['kafka'],
    },
    {
      name: 'allowed section (a module it requires) changed',
      after: edit('{name: n1, ip: 10.0.0.1}', '{name: n1, ip: 10.0.0.1, usedBy: kafka}'),
      allowed: ['azi'],
      ok: true,
      changed: ['azi'],
    },
    {
      name: 'other section changed without permission',
      after: edit('{name: n1, ip: 10.0.0.1}', '{name: n1, ip: 10.9.9.9}'),
      ok: false,
      problems: ['kafka changed section azi (azi.nodes[0].ip)'],
    },
    {
      name: 'other section deleted',
      after: edit(
        'azi:\n  status: applied\n  nodes:\n    - {name: n1, ip: 10.0.0.1}\n    - {name: n2, ip: 10.0.0.2}\n',
        '',
      ),
      allowed: ['monitoring'],
      ok: false,
      problems: ['kafka deleted section azi'],
    },
    {
      name: 'section of another module added',
      after: `${base}logging:\n  status: applied\n`,
      ok: false,
      problems: ['kafka added section logging'],
    },
    {
      name: 'reserved records edited',
      after: edit('azi: {version: "0.1.0", status: applied}', 'azi: {version: "0.2.0", status: applied}'),
      ok: false,
      problems: ["kafka edited e's reserved records (e.installed.azi.version)"],
    },
    {
      name: 'reserved records edited even when listed as allowed',
      after: edit('azi: {version: "0.1.0", status: applied}', 'azi: {version: "0.1.0", status: failed}'),
      allowed: ['e'],
      ok: false,
      problems: ["kafka edited e's reserved records (e.installed.azi.status)"],
    },
    {
      name: 'reserved records deleted',
      after: base.slice(0, base.indexOf('e:\n')),
      ok: false,
      problems: ["kafka deleted e's reserved records"],
    },
    {
      name: 'several rules broken at once',
      after: 'kafka: {status: applied}\nmonitoring: {status: changed}\n',
      ok: false,
      problems: [
        'kafka deleted section azi',
        'kafka changed section monitoring (monitoring.status)',
        "kafka deleted e's reserved records",
      ],
    },
    {
      name: 'invalid YAML',
      after: `${base}logging: [unclosed\n`,
      ok: false,
      problems: ['state.yml is no longer valid YAML: 15:1: '],
    },
    {
      name: 'duplicate key',
      after: `${base}kafka:\n  status: x\n`,
      ok: false,
      problems: ['state.yml is no longer valid YAML: 14:1: Map keys must be unique'],
    },
    {
      name: 'a sequence instead of a mapping',
      after: '- kafka\n- azi\n',
      ok: false,
      problems: ['state.yml is no longer a mapping: 1:1: the state must be a mapping of sections, not a sequence'],
    },
    { name: 'state.yml deleted', after: undefined, ok: false, problems: ['kafka deleted state.yml'] },
  ];

  it.each(cases)('$name', ({ after, allowed, ok, problems, changed }) => {
    const report = checkStateChange({ before: base, after, module: 'kafka', allowedSections: allowed });
    expect(report.ok).toBe(ok);
    if (ok) expect(report.problems).toEqual([]);
    if (problems !== undefined && problems.length > 0) {
      expect(report.problems).toHaveLength(problems.length);
      for (const [i, p] of problems.entries()) expect(report.problems[i]).toContain(p);
    }
    if (changed !== undefined) expect(report.changedSections).toEqual(changed);
  });

  it('lets a module create its own section in an empty state, and an empty after is the empty state', () => {
    expect(checkStateChange({ before: '', after: 'kafka: {status: initialized}\n', module: 'kafka' })).toMatchObject({
      ok: true,
      problems: [],
      changedSections: ['kafka'],
    });
    expect(checkStateChange({ before: '', after: undefined, module: 'kafka' }).ok).toBe(true);
    expect(checkStateChange({ before: 'kafka: {}\n', after: '', module: 'kafka' }).ok).toBe(true);
  });

  it('an unchanged text is no change, but an invalid state stays invalid even when unchanged', () => {
    expect(checkStateChange({ before: base, after: base, module: 'kafka', allowedSections: [] })).toEqual({
      ok: true,
      problems: [],
      changedSections: [],
    });
    const invalid = `${base}kafka: {}\n`;
    const report = checkStateChange({ before: invalid, after: invalid, module: 'kafka' });
    expect(report.ok).toBe(false);
    expect(report.problems[0]).toContain('state.yml was already invalid before kafka ran');
  });

  it('summarises many changed paths', () => {
    const after = edit('ip: 10.0.0.1}', 'ip: 1}')
      .replace('ip: 10.0.0.2}', 'ip: 2}')
      .replace('status: applied\n  nodes', 'status: x\n  nodes');
    const [problem] = checkStateChange({ before: base, after, module: 'kafka', allowedSections: [] }).problems;
    expect(problem).toBe('kafka changed section azi (azi.status, azi.nodes[0].ip, azi.nodes[1].ip)');
  });
});

describe('changedPaths', () => {
  it.each([
    { a: { x: 1 }, b: { x: 1 }, paths: [] },
    { a: { x: 1 }, b: { x: 2 }, paths: ['s.x'] },
    { a: { x: 1 }, b: {}, paths: ['s.x'] },
    { a: [1, 2], b: [1, 2, 3], paths: ['s'] },
    { a: [{ y: 1 }], b: [{ y: 2 }], paths: ['s[0].y'] },
    { a: 'x', b: { x: 1 }, paths: ['s'] },
  ])('$a -> $b', ({ a, b, paths }) => {
    expect(changedPaths(a, b, 's')).toEqual(paths);
  });
});
