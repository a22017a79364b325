import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isSnapshotPath, readSnapshot, snapshotChanges, writeSnapshot } from './working-copy.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'e-working-copy-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const file = (text: string, mode = 0o644) => ({ data: Buffer.from(text), mode });

describe('snapshots of a shared directory', () => {
  it('keep the state, the modules’ files and the history; never inputs, the lock, runs or the mark', () => {
    for (const path of ['state.yml', 'kafka-config.yml', 'kafka/remote/x', '.e/history/000001-a-apply.json']) {
      expect(isSnapshotPath(path), path).toBe(true);
    }
    for (const path of ['.inputs/x', '.e/lock', '.e/runs/1/run.json', '.e/backend.json', '.e/history/x/y']) {
      expect(isSnapshotPath(path), path).toBe(false);
    }
  });

  it('read what is there with modes, and write exactly a snapshot back (removing what it lacks)', async () => {
    await mkdir(join(dir, 'azi/remote'), { recursive: true });
    await mkdir(join(dir, '.e/history'), { recursive: true });
    await mkdir(join(dir, '.inputs'));
    await writeFile(join(dir, 'state.yml'), 'a: 1\n');
    await writeFile(join(dir, 'azi/remote/old'), 'old');
    await writeFile(join(dir, 'azi/run.sh'), '#!/bin/sh\n');
    await chmod(join(dir, 'azi/run.sh'), 0o755);
    await writeFile(join(dir, '.e/lock'), '{}');
    await writeFile(join(dir, '.inputs/big'), 'local');
    const read = await readSnapshot(dir);
    expect([...read.keys()].sort()).toEqual(['azi/remote/old', 'azi/run.sh', 'state.yml']);
    expect(read.get('azi/run.sh')?.mode).toBe(0o755);

    const next = new Map([
      ['state.yml', file('a: 2\n')],
      ['azi/run.sh', file('#!/bin/sh\n', 0o755)],
      ['kafka/deep/new', file('new', 0o600)],
      ['.e/history/000001-azi-apply.json', file('{}\n')],
    ]);
    await writeSnapshot(dir, next);
    expect(await readSnapshot(dir)).toEqual(next);
    expect((await stat(join(dir, 'kafka/deep/new'))).mode & 0o777).toBe(0o600);
    await expect(stat(join(dir, 'azi/remote'))).rejects.toThrow(); // emptied, so removed
    expect(await readFile(join(dir, '.inputs/big'), 'utf8')).toBe('local');
    expect(await readFile(join(dir, '.e/lock'), 'utf8')).toBe('{}');
  });

  it('refuse a path that would leave the directory', async () => {
    await expect(writeSnapshot(dir, new Map([['../escape', file('x')]]))).rejects.toThrow(/unsafe path "..\/escape"/);
  });

  it('changes name what to write and what to delete', () => {
    const before = new Map([
      ['a', file('1')],
      ['b', file('2')],
      ['c', file('3')],
    ]);
    const after = new Map([
      ['a', file('1')],
      ['b', file('2', 0o755)],
      ['d', file('4')],
    ]);
    const { upserts, deletes } = snapshotChanges(before, after);
    expect([...upserts.keys()]).toEqual(['b', 'd']);
    expect(deletes).toEqual(['c']);
  });
});
