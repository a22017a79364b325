import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listHistory, readHistoryEntry } from './state-history.js';
import { statePaths } from './state-paths.js';
import { rollbackState, stateAtRevision } from './state-rollback.js';
import { beginStateRun } from './state-run.js';
import { readStateText, writeStateText } from './state-store.js';

let shared: string;
beforeEach(async () => {
  shared = await mkdtemp(join(tmpdir(), 'e-state-run-'));
});
afterEach(async () => {
  await rm(shared, { recursive: true, force: true });
});

const initial = `# hand-written comment
azi:
  nodes: [{name: n1, ip: 10.0.0.1}]
e:
  installed:
    azi: {version: "0.1.0", status: applied}
`;

/** Simulates a module run: what the "container" does is `module(text)`. */
async function run(module: (text: string | undefined) => string | undefined, exitCode = 0, allowed?: string[]) {
  const guard = await beginStateRun(shared, {
    module: 'kafka',
    version: '0.1.0',
    command: 'apply',
    allowedSections: allowed,
  });
  expect(await stat(statePaths(shared).runMarker)).toBeTruthy();
  await writeStateText(shared, module(await readStateText(shared)));
  return guard.finish({ exitCode });
}

describe('module run guard', () => {
  beforeEach(async () => {
    await writeStateText(shared, initial);
  });

  it('keeps allowed changes and records them with a diff', async () => {
    const result = await run(
      (t) => `${t?.replace('ip: 10.0.0.1}', 'ip: 10.0.0.1, usedBy: kafka}')}kafka:\n  status: applied\n`,
      0,
      ['azi'],
    );
    expect(result).toMatchObject({ restored: false, problems: [], changedSections: ['azi', 'kafka'] });
    expect(result.error).toBeUndefined();
    expect(result.diff).toContain('+kafka:\n+  status: applied\n');
    expect(result.entry).toMatchObject({ seq: 1, kind: 'run', module: 'kafka', outcome: 'succeeded', exitCode: 0 });
    expect(await readStateText(shared)).toContain('usedBy: kafka');
    await expect(stat(statePaths(shared).runMarker)).rejects.toThrow();
  });

  it('keeps a valid state left by a failed run (terraform-like partial state)', async () => {
    const result = await run((t) => `${t}kafka: {status: failed}\n`, 1);
    expect(result.restored).toBe(false);
    expect(result.entry.outcome).toBe('failed');
  });

  it.each([
    {
      name: 'invalid YAML',
      module: (t?: string) => `${t}kafka: [half`,
      problem: /^state\.yml is no longer valid YAML: 7:\d+: /,
    },
    { name: 'deleted section', module: () => 'kafka: {status: applied}\n', problem: /^kafka deleted section azi$/ },
    {
      name: 'edited records',
      module: (t?: string) => t?.replace('status: applied', 'status: broken'),
      problem: /^kafka edited e's reserved records \(e\.installed\.azi\.status\)$/,
    },
    { name: 'deleted state.yml', module: () => undefined, problem: /^kafka deleted state\.yml$/ },
  ])('restores the snapshot byte for byte when the module broke a rule: $name', async ({ module, problem }) => {
    const result = await run(module);
    expect(result.restored).toBe(true);
    expect(result.changedSections).toEqual([]);
    expect(result.problems[0]).toMatch(problem);
    expect(result.error?.message).toMatch(/^kafka apply broke the state rules, so state\.yml was restored as it was/);
    expect(result.error?.hint).toContain(`e state history ${result.entry.seq}`);
    expect(await readFile(statePaths(shared).state, 'utf8')).toBe(initial);
    const entry = await readHistoryEntry(shared, result.entry.seq);
    expect(entry).toMatchObject({ outcome: 'restored', before: initial, after: initial });
    expect(entry.attempted).toBe(module(initial) ?? null);
  });

  it('cancel drops the snapshot of a run that never started and records nothing', async () => {
    const guard = await beginStateRun(shared, { module: 'kafka', version: '0.1.0', command: 'apply' });
    await guard.cancel();
    await expect(stat(statePaths(shared).runMarker)).rejects.toThrow();
    expect(await listHistory(shared)).toEqual([]);
    await expect(guard.finish({ exitCode: 0 })).rejects.toThrow('finish called twice');
  });

  it('refuses to start on an invalid state, and for a module named like the reserved key', async () => {
    await expect(beginStateRun(shared, { module: 'e', version: '1', command: 'apply' })).rejects.toThrow(
      'A module cannot be named "e"',
    );
    await writeStateText(shared, '- not a mapping\n');
    await expect(beginStateRun(shared, { module: 'kafka', version: '1', command: 'apply' })).rejects.toThrow(
      /state\.yml:1:1: the state must be a mapping/,
    );
  });
});

describe('rollback', () => {
  it('returns to any revision and back, recording each rollback', async () => {
    const r1 = await run(() => 'kafka: {status: initialized}\n');
    const r2 = await run((t) => `${t}# a comment the module kept\n`);
    const r3 = await run(() => 'kafka: {status: applied}\n');
    expect([r1, r2, r3].map((r) => r.entry.seq)).toEqual([1, 2, 3]);
    const rev2 = 'kafka: {status: initialized}\n# a comment the module kept\n';

    const dry = await rollbackState(shared, 2, { dryRun: true });
    expect(dry).toMatchObject({ changed: true, changedSections: ['kafka'] });
    expect(dry.diff).toContain('-kafka: {status: applied}');
    expect(await readStateText(shared)).toBe('kafka: {status: applied}\n');

    const back = await rollbackState(shared, 2, { by: 'e state rollback 2' });
    expect(await readStateText(shared)).toBe(rev2);
    expect(back.entry).toMatchObject({
      seq: 4,
      kind: 'rollback',
      command: 'rollback 2',
      rollbackTo: 2,
      outcome: 'rolled-back',
    });
    expect(await rollbackState(shared, 2)).toMatchObject({ changed: false });

    await rollbackState(shared, 0);
    expect(await readStateText(shared)).toBe('');
    await rollbackState(shared, 4);
    expect(await readStateText(shared)).toBe(rev2);
    await rollbackState(shared, 3);
    expect(await readStateText(shared)).toBe('kafka: {status: applied}\n');
    expect((await listHistory(shared)).map((e) => e.command)).toEqual([
      'apply',
      'apply',
      'apply',
      'rollback 2',
      'rollback 0',
      'rollback 4',
      'rollback 3',
    ]);
  });

  it('explains revisions that do not exist', async () => {
    await expect(rollbackState(shared, 1)).rejects.toThrow('There is no revision 1: the history goes from 0 to 0.');
    expect(() => stateAtRevision([], -1)).toThrow('"-1" is not a revision');
    expect(stateAtRevision([], 0)).toBe('');
    await expect(readHistoryEntry(shared, 3)).rejects.toThrow('There is no history entry 3: the history is empty.');
  });
});
