import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { checkSharedWrites, type SharedEntry, type SharedSnapshot, snapshotShared } from './shared-writes.js';

const file = (digest: string): SharedEntry => ({ kind: 'file', digest });
const dir: SharedEntry = { kind: 'dir' };
const snapshot = (entries: Record<string, SharedEntry>): SharedSnapshot => new Map(Object.entries(entries));

// what the conformance case of kafka starts from: an applied azi with its own files
const given = snapshot({
  'state.yml': file('s0'),
  'azi-config.yml': file('a0'),
  azi: dir,
  'azi/remote': dir,
  'azi/remote/vm-0.yml': file('v0'),
});

describe('checkSharedWrites', () => {
  it.each<[string, Record<string, SharedEntry | undefined>, string[], string[]]>([
    ['nothing changed', {}, [], []],
    ['state.yml changed (judged by sections, not here)', { 'state.yml': file('s1') }, [], []],
    [
      'its config and files under its directory',
      { 'kafka-config.yml': file('k'), kafka: dir, 'kafka/remote': dir, 'kafka/remote/server.properties': file('p') },
      [],
      ['kafka-config.yml', 'kafka/remote/server.properties'],
    ],
    [
      'the old mocked remote, outside its directory',
      { '.remote': dir, '.remote/kafka': dir, '.remote/kafka/server.properties': file('p') },
      ['kafka created .remote/kafka/server.properties, which it does not own'],
      [],
    ],
    ['an empty directory elsewhere', { tmp: dir }, ['kafka created tmp/, which it does not own'], []],
    [
      'a name that only starts like its own',
      { 'kafka-config.yml.tmp': file('t'), kafkaesque: dir, 'kafkaesque/x': file('x') },
      [
        'kafka created kafka-config.yml.tmp, which it does not own',
        'kafka created kafkaesque/x, which it does not own',
      ],
      [],
    ],
    [
      "another module's config",
      { 'azi-config.yml': file('a1') },
      ['kafka changed azi-config.yml, which it does not own'],
      [],
    ],
    [
      "another module's whole directory removed",
      { azi: undefined, 'azi/remote': undefined, 'azi/remote/vm-0.yml': undefined },
      ['kafka removed azi/remote/vm-0.yml, which it does not own'],
      [],
    ],
    [
      'a symlink, even in its own directory',
      { kafka: dir, 'kafka/link': { kind: 'symlink', target: '/etc/passwd' } },
      ['kafka created a symlink (-> /etc/passwd) at kafka/link'],
      [],
    ],
    [
      'state.yml replaced by a symlink',
      { 'state.yml': { kind: 'symlink', target: '../state.yml' } },
      ['kafka created a symlink (-> ../state.yml) at state.yml'],
      [],
    ],
    [
      'a fifo in its directory',
      { kafka: dir, 'kafka/pipe': { kind: 'other' } },
      ['kafka created a special file at kafka/pipe'],
      [],
    ],
  ])('%s', (_name, edits, problems, written) => {
    const after = new Map(given);
    for (const [path, entry] of Object.entries(edits)) {
      if (entry === undefined) after.delete(path);
      else after.set(path, entry);
    }
    expect(checkSharedWrites({ module: 'kafka', before: given, after })).toEqual({ problems, written });
  });

  it('names at most five paths and counts the rest', () => {
    const after = new Map(given);
    for (let i = 0; i < 8; i++) after.set(`junk-${i}.txt`, file(String(i)));
    const { problems } = checkSharedWrites({ module: 'kafka', before: given, after });
    expect(problems).toHaveLength(6);
    expect(problems[5]).toBe('and 3 more path(s) it does not own');
  });
});

describe('snapshotShared', () => {
  it('sees files by content, directories, and symlinks without following them', async () => {
    const shared = await mkdtemp(join(tmpdir(), 'e-shared-writes-'));
    onTestFinished(() => rm(shared, { recursive: true, force: true }));
    await writeFile(join(shared, 'state.yml'), 'a: 1\n');
    await mkdir(join(shared, 'kafka', 'remote'), { recursive: true });
    await writeFile(join(shared, 'kafka', 'remote', 'x'), 'same\n');
    await symlink('/etc', join(shared, 'kafka', 'etc'));
    const before = await snapshotShared(shared);
    expect([...before.keys()].sort()).toEqual(['kafka', 'kafka/etc', 'kafka/remote', 'kafka/remote/x', 'state.yml']);
    expect(before.get('kafka/etc')).toEqual({ kind: 'symlink', target: '/etc' });

    await writeFile(join(shared, 'kafka', 'remote', 'x'), 'same\n');
    await writeFile(join(shared, 'other.txt'), 'new\n');
    const after = await snapshotShared(shared);
    expect(checkSharedWrites({ module: 'kafka', before, after })).toEqual({
      problems: ['kafka created other.txt, which it does not own'],
      written: [],
    });
  });
});
