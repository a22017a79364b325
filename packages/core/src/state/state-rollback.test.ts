import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isEError } from '../errors.js';
import { appendHistory, type HistoryEntry, listHistory } from './state-history.js';
import { oldestRevision, rollbackState, stateAtRevision } from './state-rollback.js';
import { writeStateText } from './state-store.js';

/** Entry `seq`: state `n: seq-1` → `n: seq`; pruned ones keep only the diff. */
function entry(seq: number, pruned = false): HistoryEntry {
  const base: HistoryEntry = {
    seq,
    kind: 'run',
    time: '2026-01-01T00:00:00.000Z',
    command: 'apply',
    exitCode: 0,
    durationMs: 1,
    outcome: 'succeeded',
    changedSections: ['n'],
    diff: `-n: ${seq - 1}\n+n: ${seq}\n`,
  };
  return pruned ? { ...base, pruned: true } : { ...base, before: `n: ${seq - 1}\n`, after: `n: ${seq}\n` };
}

const full = [entry(1), entry(2), entry(3)];
const pruned = [entry(1, true), entry(2, true), entry(3), entry(4)];

describe('stateAtRevision', () => {
  it.each<[string, HistoryEntry[], number, string]>([
    ['revision 0 is the state before entry 1', full, 0, 'n: 0\n'],
    ['revision N is the state after entry N', full, 2, 'n: 2\n'],
    ['an empty history is revision 0 only', [], 0, ''],
    ['the oldest full entry of a pruned history', pruned, 3, 'n: 3\n'],
    ['the newest entry of a pruned history', pruned, 4, 'n: 4\n'],
  ])('%s', (_, entries, revision, text) => {
    expect(stateAtRevision(entries, revision)).toBe(text);
  });

  it.each<[string, HistoryEntry[], number, string, string]>([
    [
      'a pruned revision',
      pruned,
      2,
      'E_REVISION_PRUNED',
      'Revision 2 can no longer be restored, as history entry 2 keeps only its diff; the oldest revision e can return to is 3.',
    ],
    [
      'revision 0 once entry 1 is pruned',
      pruned,
      0,
      'E_REVISION_PRUNED',
      'Revision 0 can no longer be restored, as history entry 1 keeps only its diff; the oldest revision e can return to is 3.',
    ],
    [
      'a revision past the end',
      pruned,
      9,
      'E_REVISION_NOT_FOUND',
      'There is no revision 9: the history goes from 0 to 4.',
    ],
    ['a negative revision', full, -1, 'E_REVISION_INVALID', '"-1" is not a revision: use 0 or a history entry number.'],
  ])('refuses %s', (_, entries, revision, code, message) => {
    let error: unknown;
    try {
      stateAtRevision(entries, revision);
    } catch (caught) {
      error = caught;
    }
    expect(isEError(error) && { code: error.code, message: error.message }).toEqual({ code, message });
  });

  it('points a refused revision to its diff and to E_HISTORY_LIMIT', () => {
    expect(() => stateAtRevision(pruned, 1)).toThrow(
      expect.objectContaining({
        hint: 'e state history 1 shows what it changed; E_HISTORY_LIMIT (default 100) sets how many of the newest entries keep their full state.',
      }),
    );
  });
});

describe('oldestRevision', () => {
  it.each<[string, HistoryEntry[], number]>([
    ['nothing pruned', full, 0],
    ['an empty history', [], 0],
    ['the first entries pruned', pruned, 3],
    ['all but the newest pruned', [entry(1, true), entry(2, true), entry(3)], 3],
  ])('%s', (_, entries, revision) => {
    expect(oldestRevision(entries)).toBe(revision);
  });
});

describe('rollbackState with a pruned history', () => {
  let shared: string;
  beforeEach(async () => {
    shared = await mkdtemp(join(tmpdir(), 'e-state-rollback-'));
  });
  afterEach(async () => {
    vi.unstubAllEnvs();
    await rm(shared, { recursive: true, force: true });
  });

  it('refuses a pruned revision, changing nothing, and returns to a kept one', async () => {
    vi.stubEnv('E_HISTORY_LIMIT', '2');
    for (let n = 1; n <= 4; n++) {
      await writeStateText(shared, `n: ${n}\n`);
      const { seq: _s, diff: _d, ...rest } = entry(n);
      await appendHistory(shared, { ...rest, before: n === 1 ? null : `n: ${n - 1}\n`, after: `n: ${n}\n` });
    }
    await expect(rollbackState(shared, 2)).rejects.toThrow(
      'Revision 2 can no longer be restored, as history entry 2 keeps only its diff; the oldest revision e can return to is 3.',
    );
    await expect(rollbackState(shared, 1, { dryRun: true })).rejects.toThrow(
      /the oldest revision e can return to is 3\.$/,
    );
    expect(await readFile(join(shared, 'state.yml'), 'utf8')).toBe('n: 4\n');
    expect(await listHistory(shared)).toHaveLength(4);

    const result = await rollbackState(shared, 3);
    expect(result).toMatchObject({ changed: true, entry: { seq: 5, rollbackTo: 3 } });
    expect(await readFile(join(shared, 'state.yml'), 'utf8')).toBe('n: 3\n');
    // the rollback's own entry pushed entry 3 out of the newest two
    await expect(rollbackState(shared, 3)).rejects.toThrow(/the oldest revision e can return to is 4\.$/);
  });
});
