import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  type AppendHistoryOptions,
  appendHistory,
  DEFAULT_HISTORY_LIMIT,
  historyLimit,
  listHistory,
  type NewHistoryEntry,
  readHistoryEntry,
} from './state-history.js';

let shared: string;
let historyDir: string;
beforeEach(async () => {
  shared = await mkdtemp(join(tmpdir(), 'e-state-history-'));
  historyDir = join(shared, '.e', 'history');
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await rm(shared, { recursive: true, force: true });
});

/** Run `n` of a module that sets `azi.size: n`. */
function run(n: number): NewHistoryEntry {
  return {
    kind: 'run',
    time: `2026-01-01T00:00:0${n}.000Z`,
    module: 'azi',
    version: '1.0.0',
    command: 'apply',
    exitCode: 0,
    durationMs: 10,
    outcome: 'succeeded',
    changedSections: ['azi'],
    before: n === 1 ? null : `azi: {size: ${n - 1}}\n`,
    after: `azi: {size: ${n}}\n`,
  };
}

async function appendRuns(count: number, options: AppendHistoryOptions = {}): Promise<void> {
  for (let n = 1; n <= count; n++) await appendHistory(shared, run(n), options);
}

describe('historyLimit', () => {
  it.each<[string | undefined, number, boolean]>([
    [undefined, DEFAULT_HISTORY_LIMIT, false],
    ['', DEFAULT_HISTORY_LIMIT, false],
    ['5', 5, false],
    [' 7 ', 7, false],
    ['1', 1, false],
    ['0', DEFAULT_HISTORY_LIMIT, true],
    ['-3', DEFAULT_HISTORY_LIMIT, true],
    ['1.5', DEFAULT_HISTORY_LIMIT, true],
    ['ten', DEFAULT_HISTORY_LIMIT, true],
  ])('E_HISTORY_LIMIT=%j keeps %i entries in full', (value, limit, problem) => {
    const result = historyLimit(value);
    expect(result.limit).toBe(limit);
    if (problem) {
      expect(result.problem).toBe(
        `E_HISTORY_LIMIT is "${value}", not a number of entries (1 or more), so e keeps the last 100 in full.`,
      );
    } else {
      expect(result.problem).toBeUndefined();
    }
  });
});

describe('appendHistory keeps the newest entries in full', () => {
  it('prunes each entry that falls out of the limit to its diff and metadata, and says so', async () => {
    const notices: string[] = [];
    await appendRuns(5, { limit: 2, onNotice: (m) => notices.push(m) });
    expect((await readdir(historyDir)).sort()).toEqual([
      '000001-azi-apply.diff.json',
      '000002-azi-apply.diff.json',
      '000003-azi-apply.diff.json',
      '000004-azi-apply.json',
      '000005-azi-apply.json',
    ]);
    expect(notices).toEqual(
      [1, 2, 3].map(
        (n) => `History entry ${n} now keeps only the diff: e keeps the newest 2 entries in full (E_HISTORY_LIMIT).`,
      ),
    );

    const entries = await listHistory(shared);
    expect(entries.map((e) => [e.seq, e.pruned ?? false, 'before' in e, 'after' in e])).toEqual([
      [1, true, false, false],
      [2, true, false, false],
      [3, true, false, false],
      [4, false, true, true],
      [5, false, true, true],
    ]);
    const { before: _b, after: _a, ...metadata } = { ...run(2), seq: 2 };
    expect(entries[1]).toEqual({ ...metadata, diff: expect.stringContaining('+azi: {size: 2}'), pruned: true });
    expect(await readHistoryEntry(shared, 2)).toEqual(entries[1]);
    expect(entries[4]).toMatchObject({ before: 'azi: {size: 4}\n', after: 'azi: {size: 5}\n' });
  });

  it('prunes nothing while the history is within the limit', async () => {
    await appendRuns(3, { limit: 3 });
    expect((await listHistory(shared)).filter((e) => e.pruned)).toEqual([]);
  });

  it('catches up at once when the limit is lowered, in one notice', async () => {
    await appendRuns(4, { limit: 10 });
    const notices: string[] = [];
    await appendHistory(shared, run(5), { limit: 1, onNotice: (m) => notices.push(m) });
    expect((await listHistory(shared)).map((e) => e.pruned ?? false)).toEqual([true, true, true, true, false]);
    expect(notices).toEqual([
      'History entries 1 to 4 now keep only the diff: e keeps the newest 1 entries in full (E_HISTORY_LIMIT).',
    ]);
  });

  it('takes the limit from E_HISTORY_LIMIT, and the default (with a notice) when that is no number', async () => {
    vi.stubEnv('E_HISTORY_LIMIT', '1');
    await appendRuns(2);
    expect((await listHistory(shared)).map((e) => e.pruned ?? false)).toEqual([true, false]);

    vi.stubEnv('E_HISTORY_LIMIT', 'all');
    const notices: string[] = [];
    await appendHistory(shared, run(3), { onNotice: (m) => notices.push(m) });
    expect(notices).toEqual([
      'E_HISTORY_LIMIT is "all", not a number of entries (1 or more), so e keeps the last 100 in full.',
    ]);
    expect((await listHistory(shared)).map((e) => e.pruned ?? false)).toEqual([true, false, false]);
  });

  it('keeps 100 entries in full by default', async () => {
    vi.stubEnv('E_HISTORY_LIMIT', undefined);
    await appendRuns(1);
    const entry = (await listHistory(shared))[0];
    await mkdir(historyDir, { recursive: true });
    for (let seq = 2; seq <= 100; seq++) {
      const name = `${String(seq).padStart(6, '0')}-azi-apply.json`;
      await writeFile(join(historyDir, name), JSON.stringify({ ...entry, seq }));
    }
    await appendHistory(shared, run(2));
    expect((await listHistory(shared)).map((e) => e.pruned ?? false)).toEqual([true, ...Array(100).fill(false)]);
  });

  it('refuses a limit that is not a number of entries before writing anything', async () => {
    for (const limit of [0, -1, 1.5, Number.NaN]) {
      await expect(appendHistory(shared, run(1), { limit })).rejects.toThrow(RangeError);
    }
    expect(await listHistory(shared)).toEqual([]);
  });

  it('never names a full entry .diff.json', async () => {
    await appendHistory(shared, { ...run(1), module: 'x', command: 'plan.diff' }, { limit: 5 });
    expect(await readdir(historyDir)).toEqual(['000001-x-plan-diff.json']);
  });
});

describe('older histories', () => {
  /** An entry as e wrote them before pruning existed: no `pruned`, and `restored` with `attempted`. */
  const oldEntry = {
    seq: 1,
    kind: 'run',
    time: '2025-06-01T10:00:00.000Z',
    module: 'kafka',
    version: '0.9.0',
    command: 'apply',
    exitCode: 0,
    durationMs: 1200,
    outcome: 'restored',
    changedSections: [],
    diff: '--- state.yml\n+++ state.yml\n@@ -1 +1 @@\n-a: 1\n+a: 2\n',
    before: 'a: 1\n',
    after: 'a: 1\n',
    attempted: 'a: 2\n',
  };

  it('are read as they are, and pruned like new entries once they fall out of the limit', async () => {
    await mkdir(historyDir, { recursive: true });
    await writeFile(join(historyDir, '000001-kafka-apply.json'), `${JSON.stringify(oldEntry, null, 2)}\n`);
    expect(await listHistory(shared)).toEqual([oldEntry]);

    await appendHistory(shared, run(2), { limit: 1 });
    const { before: _b, after: _a, attempted: _t, ...kept } = oldEntry;
    expect(await readHistoryEntry(shared, 1)).toEqual({ ...kept, pruned: true });
    expect(await readdir(historyDir)).toContain('000001-kafka-apply.diff.json');
  });

  it('reads the full copy when pruning stopped half-way, and finishes it at the next append', async () => {
    await appendRuns(2, { limit: 5 });
    const full = await readFile(join(historyDir, '000001-azi-apply.json'), 'utf8');
    const { before: _b, after: _a, ...kept } = JSON.parse(full);
    await writeFile(join(historyDir, '000001-azi-apply.diff.json'), JSON.stringify({ ...kept, pruned: true }));
    expect((await listHistory(shared)).map((e) => [e.seq, e.pruned ?? false])).toEqual([
      [1, false],
      [2, false],
    ]);
    await appendHistory(shared, run(3), { limit: 2 });
    expect((await readdir(historyDir)).sort()).toEqual([
      '000001-azi-apply.diff.json',
      '000002-azi-apply.json',
      '000003-azi-apply.json',
    ]);
  });

  it('leaves an entry it cannot read as it is and says why, and the append still succeeds', async () => {
    await mkdir(historyDir, { recursive: true });
    await writeFile(join(historyDir, '000001-edited.json'), '{ not json');
    const notices: string[] = [];
    const entry = await appendHistory(shared, run(2), { limit: 1, onNotice: (m) => notices.push(m) });
    expect(entry.seq).toBe(2);
    expect(notices).toEqual([
      expect.stringMatching(
        /^History entry 1 keeps its full texts: The history record .*000001-edited\.json is unreadable: /,
      ),
    ]);
    expect(await readdir(historyDir)).toContain('000001-edited.json');
  });
});
