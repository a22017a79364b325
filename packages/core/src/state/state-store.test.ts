import { execFileSync } from 'node:child_process';
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getInstalled, readInstalled, removeInstalled, setInstalled } from './installed-records.js';
import { appendHistory } from './state-history.js';
import { rollbackState } from './state-rollback.js';
import { loadInstalled, loadState, readStateText, reloadState, saveState, writeStateText } from './state-store.js';

let shared: string;
beforeEach(async () => {
  shared = await mkdtemp(join(tmpdir(), 'e-state-store-'));
});
afterEach(async () => {
  await rm(shared, { recursive: true, force: true });
});

const handWritten = `# platform state — edited by modules and by hand
azi:   # the infrastructure
  size: 5
  nodes: [ {name: n1, privateIp: '10.0.0.1'} ]
kafka:
    status: initialized   # odd indent on purpose
`;

describe('state store on a real file system', () => {
  it('reloadState returns the loaded state while the file is unchanged, and reads it again once it changed', async () => {
    const missing = await loadState(shared);
    expect(await reloadState(missing)).toBe(missing);
    await writeStateText(shared, handWritten);
    const written = await reloadState(missing);
    expect(written).toMatchObject({ exists: true, text: handWritten });
    expect(await reloadState(written)).toBe(written);
    await writeStateText(shared, `${handWritten}logging: {}\n`);
    expect((await reloadState(written)).data).toHaveProperty('logging');
    await writeStateText(shared, '');
    expect(await reloadState(written)).toMatchObject({ exists: true, text: '', data: {} });
    await writeStateText(shared, undefined);
    expect(await reloadState(written)).toMatchObject({ exists: false, text: '' });
  });

  it('treats a missing state.yml as the empty state', async () => {
    const state = await loadState(shared);
    expect(state).toMatchObject({ exists: false, text: '', data: {} });
  });

  it('reports a state that is not a mapping with file:line:col, and leaves the file alone', async () => {
    const path = join(shared, 'state.yml');
    await writeFile(path, '# comment\n- kafka\n');
    await expect(loadState(shared)).rejects.toThrow(
      `${path}:2:1: the state must be a mapping of sections, not a sequence.`,
    );
    await writeFile(path, 'azi: {size: 5\n');
    await expect(loadState(shared)).rejects.toThrow(new RegExp(`^${path}:2:1: `));
    expect(await readFile(path, 'utf8')).toBe('azi: {size: 5\n');
  });

  it('saves atomically, keeping every byte outside e: when e edits its records', async () => {
    await writeStateText(shared, handWritten);
    const state = await loadState(shared);
    setInstalled(
      state,
      'azi',
      { version: '1.10', status: 'applied', labels: { kind: 'infrastructure', provider: 'azure' } },
      new Date('2024-05-01T10:00:00Z'),
    );
    const text = await saveState(state);
    expect(text.startsWith(handWritten)).toBe(true);
    expect(await readFile(join(shared, 'state.yml'), 'utf8')).toBe(text);
    expect(await readdir(shared)).toEqual(['state.yml']); // no temporary file left behind

    const again = await loadState(shared);
    expect(getInstalled(again, 'azi')).toEqual({
      version: '1.10',
      status: 'applied',
      labels: { kind: 'infrastructure', provider: 'azure' },
      installedAt: '2024-05-01T10:00:00.000Z',
      updatedAt: '2024-05-01T10:00:00.000Z',
      needsPlan: false,
    });

    // a second edit keeps installedAt and the bytes before e:
    setInstalled(again, 'azi', { version: '1.11', status: 'applied', labels: {} }, new Date('2024-06-01T00:00:00Z'));
    setInstalled(again, 'kafka', { version: '0.1.0', status: 'initialized', labels: {}, needsPlan: true });
    const second = await saveState(again);
    expect(second.startsWith(handWritten)).toBe(true);
    const third = await loadState(shared);
    expect(readInstalled(third).azi).toMatchObject({ version: '1.11', installedAt: '2024-05-01T10:00:00.000Z' });
    expect(readInstalled(third).kafka?.needsPlan).toBe(true);
    expect(removeInstalled(third, 'kafka')).toBe(true);
    expect(Object.keys(readInstalled(third))).toEqual(['azi']);
  });

  it('reports a malformed record with its position and path', async () => {
    const path = join(shared, 'state.yml');
    await writeFile(path, 'e:\n  installed:\n    azi:\n      version: "0.1.0"\n      status: [applied]\n');
    const state = await loadState(shared);
    expect(() => readInstalled(state)).toThrow(`${path}:5:15: e.installed.azi.status: `);
  });

  it('writes records under an empty e: key', async () => {
    await writeStateText(shared, 'azi: {}\ne:\n');
    const state = await loadState(shared);
    setInstalled(state, 'azi', { version: '0.1.0', status: 'applied', labels: {} });
    await saveState(state);
    expect(Object.keys(readInstalled(await loadState(shared)))).toEqual(['azi']);
  });
});

/** Settles `promise`, or rejects after `ms`: a call that opens a FIFO would hang instead of failing. */
async function promptly<T>(promise: Promise<T>, ms = 2000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still waiting after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function rejection(promise: Promise<unknown>): Promise<{ code?: string; message: string; hint?: string }> {
  try {
    await promptly(promise);
  } catch (error) {
    return error as { code?: string; message: string; hint?: string };
  }
  throw new Error('expected the call to be refused');
}

describe('state.yml that is not a regular file (a module may leave anything at that path)', () => {
  const secret = 'host-secret-3f9a: do not leak\n';
  let outside: string;
  let servers: Server[] = [];
  beforeEach(async () => {
    outside = await mkdtemp(join(tmpdir(), 'e-state-outside-'));
    await writeFile(join(outside, 'passwd'), secret);
  });
  afterEach(async () => {
    for (const server of servers) server.close();
    servers = [];
    await rm(outside, { recursive: true, force: true });
  });

  const kinds: { kind: string; described: string; make: (path: string) => Promise<void> }[] = [
    {
      kind: 'symlink to a file outside the shared directory',
      described: 'a symbolic link',
      make: (path) => symlink(join(outside, 'passwd'), path),
    },
    {
      kind: 'dangling symlink',
      described: 'a symbolic link',
      make: (path) => symlink(join(outside, 'missing'), path),
    },
    {
      kind: 'FIFO',
      described: 'a FIFO (named pipe)',
      make: async (path) => {
        execFileSync('mkfifo', [path]);
      },
    },
    { kind: 'directory', described: 'a directory', make: (path) => mkdir(path) },
    {
      kind: 'socket',
      described: 'a socket',
      make: (path) =>
        new Promise<void>((resolve, reject) => {
          const server = createServer();
          servers.push(server);
          server.once('error', reject);
          server.listen(path, () => resolve());
        }),
    },
  ];

  const calls: { name: string; call: (shared: string) => Promise<unknown> }[] = [
    { name: 'readStateText', call: (dir) => readStateText(dir) },
    { name: 'loadState', call: (dir) => loadState(dir) },
    { name: 'writeStateText', call: (dir) => writeStateText(dir, 'azi: {}\n') },
    { name: 'writeStateText (remove)', call: (dir) => writeStateText(dir, undefined) },
    { name: 'rollbackState', call: (dir) => rollbackState(dir, 0) },
  ];

  for (const { kind, described, make } of kinds) {
    for (const { name, call } of calls) {
      it(`${name} refuses a ${kind} promptly, without opening or replacing it`, async () => {
        const path = join(shared, 'state.yml');
        await make(path);
        const before = await lstat(path);
        const error = await rejection(call(shared));
        expect(error.code).toBe('E_STATE_NOT_FILE');
        expect(error.message).toBe(`${path} is ${described}, not a regular file, so e neither reads nor writes it.`);
        expect(error.hint).toMatch(/e state rollback N/);
        expect(`${error.message} ${error.hint}`).not.toContain('host-secret');
        const after = await lstat(path);
        expect([after.ino, after.mode]).toEqual([before.ino, before.mode]);
        expect(await readFile(join(outside, 'passwd'), 'utf8')).toBe(secret);
        expect(await readdir(outside)).toEqual(['passwd']);
      });
    }
  }

  it('rollbackState refuses a symlink even with a revision to return to in the history', async () => {
    await appendHistory(shared, {
      kind: 'run',
      time: new Date().toISOString(),
      module: 'azi',
      command: 'apply',
      exitCode: 0,
      durationMs: 1,
      outcome: 'succeeded',
      changedSections: ['azi'],
      before: null,
      after: 'azi: {size: 5}\n',
    });
    await symlink(join(outside, 'passwd'), join(shared, 'state.yml'));
    const error = await rejection(rollbackState(shared, 1));
    expect(error.code).toBe('E_STATE_NOT_FILE');
    expect(await readFile(join(outside, 'passwd'), 'utf8')).toBe(secret);
  });

  it('still reads a missing state.yml as the empty state and a regular file as its text', async () => {
    expect(await readStateText(shared)).toBeUndefined();
    expect(await loadState(shared)).toMatchObject({ exists: false, text: '', data: {} });
    await writeStateText(shared, 'azi: {size: 5}\n');
    expect(await readStateText(shared)).toBe('azi: {size: 5}\n');
    await writeStateText(shared, undefined);
    expect(await readStateText(shared)).toBeUndefined();
  });
});

describe('loadInstalled (e status)', () => {
  const record = '      version: 0.1.0\n      status: applied\n      installedAt: a\n      updatedAt: u\n';
  /** What readInstalled(await loadState(shared)) gives, or throws. */
  const slow = () => loadState(shared).then(readInstalled);

  it('gives what readInstalled gives, and throws what it throws, problems at file:line:col', async () => {
    let refused = 0;
    for (const text of [
      `e:\n  installed:\n    hello:\n${record}`,
      `e:\n  installed:\n    hello:\n${record.replace('      status: applied\n', '')}`,
      `e:\n  installed:\n    hello:\n${record.replace('status: applied', 'status: [applied]')}`,
      'e:\n  installed:\n',
      'a: [b\n',
    ]) {
      await writeStateText(shared, text);
      const expected = await slow().catch((error: Error) => error);
      if (expected instanceof Error) {
        await expect(loadInstalled(shared)).rejects.toThrow(expected.message);
        expect(expected.message).toMatch(/state\.yml:\d+:\d+/);
        refused++;
      } else expect(await loadInstalled(shared)).toStrictEqual(expected);
    }
    expect(refused).toBe(4);
    await rm(join(shared, 'state.yml'));
    expect(await loadInstalled(shared)).toStrictEqual({});
  });
});
