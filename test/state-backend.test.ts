import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PostgresStateBackend, readSnapshot } from '@e/core/backend';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { startPostgres, type TestPostgres } from './support/postgres.js';
import { e, ROOT } from './support/run-e.js';

let cluster: TestPostgres;
beforeAll(async () => {
  cluster = await startPostgres();
});
afterAll(() => cluster?.stop());

let schemas = 0;
/** A fresh schema per test, so tests share the cluster and nothing else. */
function freshUrl(): string {
  schemas += 1;
  return cluster.stateUrl(`t${process.pid}_${schemas}`);
}

/** The URL without e's schema parameter, and that schema. */
const withoutSchema = (url: string) => url.replace(/\?schema=.*$/, '');
const schemaOf = (url: string) => /\?schema=(\w+)/.exec(url)?.[1] ?? 'e';

function tempDir(prefix = 'e-pgstate-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Every file under `dir` with its bytes and mode, except e's lock, runs and working-copy mark. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const entry of readdirSync(join(dir, rel), { withFileTypes: true })) {
      const path = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (path === '.e/lock' || path === '.e/runs' || path === '.e/backend.json') continue;
      if (entry.isDirectory()) walk(path);
      else {
        const full = join(dir, path);
        out[path] = `${(statSync(full).mode & 0o777).toString(8)} ${readFileSync(full).toString('base64')}`;
      }
    }
  };
  walk('');
  return out;
}

/** A local state as e leaves it: state.yml with records, history entries (one pruned), module files. */
function localState(dir: string): void {
  writeFileSync(
    join(dir, 'state.yml'),
    '# kept byte for byte\nazi:\n  nodes: [10.0.0.1]   # odd spacing\ne:\n  installed:\n    azi: {version: "1.0", labels: {}, status: applied, installedAt: "2024-01-01T00:00:00.000Z", updatedAt: "2024-01-01T00:00:00.000Z", needsPlan: false}\n',
  );
  mkdirSync(join(dir, '.e/history'), { recursive: true });
  writeFileSync(join(dir, '.e/history/000001-azi-apply.diff.json'), '{"seq":1,"pruned":true}\n');
  writeFileSync(join(dir, '.e/history/000002-azi-apply.json'), '{"seq":2,"before":"","after":"azi: {}\\n"}\n');
  writeFileSync(join(dir, 'azi-config.yml'), 'nodes: 5\n');
  mkdirSync(join(dir, 'azi/remote/deep'), { recursive: true });
  writeFileSync(join(dir, 'azi/remote/deep/blob.bin'), Buffer.from([0, 255, 1, 254, 10, 13]));
  writeFileSync(join(dir, 'azi/run.sh'), '#!/bin/sh\n');
  chmodSync(join(dir, 'azi/run.sh'), 0o755);
  mkdirSync(join(dir, '.inputs'));
  writeFileSync(join(dir, '.inputs/download.tgz'), 'local only');
}

/** A process holding the environment's lock (through the built backend) until its session ends. */
function startHolder(
  url: string,
  env: string,
  shared: string,
): { child: ChildProcess; out: () => string; locked: Promise<void> } {
  const script = join(tempDir('e-pgholder-'), 'holder.mjs');
  const backendModule = pathToFileURL(join(ROOT, 'packages/core/dist/backend/index.js')).href;
  writeFileSync(
    script,
    `const { PostgresStateBackend } = await import(${JSON.stringify(backendModule)});
const backend = new PostgresStateBackend(process.argv[2], process.argv[3]);
try {
  await backend.withLock(process.argv[4], { command: 'e apply holder-test' }, async (hold) => {
    console.log('locked');
    await new Promise((resolve) => hold.lost.addEventListener('abort', resolve));
    console.log('lost');
  });
} catch (error) {
  console.log('error ' + error.code);
  process.exit(3);
}
`,
  );
  const child = spawn(process.execPath, [script, url, env, shared], { stdio: ['ignore', 'pipe', 'pipe'] });
  onTestFinished(() => {
    child.kill('SIGKILL');
  });
  let out = '';
  const locked = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('locked')) resolve();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.on('close', () => reject(new Error(`the holder exited: ${out}`)));
  });
  return { child, out: () => out, locked };
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.on('close', (code) => resolve(code));
  });
}

describe('the PostgreSQL state backend', () => {
  it('refuses a write based on a stale read, and keeps the write that came first', async () => {
    const backend = new PostgresStateBackend(freshUrl(), 'default');
    const base = await backend.readCanonical();
    expect(base.version).toBe(0);
    const first = new Map([['state.yml', { data: Buffer.from('a: 1\n'), mode: 0o644 }]]);
    const second = new Map([['state.yml', { data: Buffer.from('b: 2\n'), mode: 0o644 }]]);
    expect(await backend.write(base, first, 'first')).toBe(1);
    await expect(backend.write(base, second, 'second')).rejects.toMatchObject({
      code: 'E_STATE_STALE',
      message: expect.stringMatching(/changed since this command read it \(version 0, now 1\)/),
    });
    const now = await backend.readCanonical();
    expect(now.version).toBe(1);
    expect(now.snapshot.get('state.yml')?.data.toString()).toBe('a: 1\n');
    // and a stale write on a later version too
    const v1 = await backend.readCanonical();
    expect(await backend.write(v1, second, 'third')).toBe(2);
    const third = new Map([['state.yml', { data: Buffer.from('c: 3\n'), mode: 0o644 }]]);
    await expect(backend.write(v1, third, 'fourth')).rejects.toMatchObject({ code: 'E_STATE_STALE' });
    expect((await backend.readCanonical()).snapshot.get('state.yml')?.data.toString()).toBe('b: 2\n');
  });

  it('a second holder fails at once naming the first, or waits for it with a timeout', async () => {
    const url = freshUrl();
    const holder = startHolder(url, 'default', tempDir());
    await holder.locked;
    const backend = new PostgresStateBackend(url, 'default');
    const since = (await backend.holder())?.startedAt;
    await expect(backend.withLock(tempDir(), { command: 'e apply other' }, async () => 'ran')).rejects.toMatchObject({
      code: 'E_STATE_LOCKED',
      message: `The state is locked by pid ${holder.child.pid} on host ${hostname()} (e apply holder-test) since ${since}.`,
    });
    const notices: string[] = [];
    const waiting = backend.withLock(
      tempDir(),
      { command: 'e apply other', timeoutMs: 20_000, onNotice: (m) => notices.push(m) },
      async () => 'ran',
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    // the holder ends (kill -9): PostgreSQL ends its session and with it the lock
    holder.child.kill('SIGKILL');
    await expect(waiting).resolves.toBe('ran');
    expect(notices.join('\n')).toMatch(
      new RegExp(`Waiting up to 20s for the state lock held by pid ${holder.child.pid} on host`),
    );
    expect(await backend.holder()).toBeUndefined();
  });

  it('kill -9 of a holder releases the lock when its session ends', async () => {
    const url = freshUrl();
    const holder = startHolder(url, 'default', tempDir());
    await holder.locked;
    const backend = new PostgresStateBackend(url, 'default');
    expect((await backend.holder())?.pid).toBe(holder.child.pid);
    holder.child.kill('SIGKILL');
    await exited(holder.child);
    const deadline = Date.now() + 10_000;
    while ((await backend.holder()) !== undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await expect(backend.withLock(tempDir(), { command: 'e apply next' }, async () => 'ran')).resolves.toBe('ran');
  });

  it('e state unlock names the holder; --force ends its session, and the holder stops without writing', async () => {
    const url = freshUrl();
    const holderDir = tempDir();
    const holder = startHolder(url, 'prod', holderDir);
    await holder.locked;
    writeFileSync(join(holderDir, 'state.yml'), 'written: after the lock was lost\n');
    const shown = await e(['--state', url, '--env', 'prod', 'state', 'unlock']);
    expect(shown.exitCode).toBe(1);
    expect(shown.stderr).toMatch(
      new RegExp(
        `The state is locked by pid ${holder.child.pid} on host .* \\(e apply holder-test\\) since .*, and its session \\d+ is still connected`,
      ),
    );
    expect(shown.stderr).toContain('e state unlock --force');
    const forced = await e(['--state', url, '--env', 'prod', 'state', 'unlock', '--force', '-o', 'json']);
    expect(forced.stderr).toBe('');
    expect(forced.exitCode).toBe(0);
    const doc = JSON.parse(forced.stdout);
    expect(doc).toMatchObject({
      unlocked: true,
      terminated: true,
      holder: { pid: holder.child.pid, command: 'e apply holder-test' },
    });
    expect(await exited(holder.child)).toBe(3);
    expect(holder.out()).toContain('lost');
    expect(holder.out()).toContain('error E_STATE_LOCK_LOST');
    // nothing of the holder reached the state
    expect((await new PostgresStateBackend(url, 'prod').readCanonical()).version).toBe(0);
    const again = await e(['--state', url, '--env', 'prod', 'state', 'unlock']);
    expect(again.stdout).toContain('is not locked');
  });

  it('e state push and pull round-trip the state, history and module files byte for byte', async () => {
    const url = freshUrl();
    const source = tempDir();
    localState(source);
    const pushed = await e(['-s', source, '--state', url, '--env', 'staging', 'state', 'push']);
    expect(pushed.stderr).toBe('');
    expect(pushed.stdout).toMatch(
      /Pushed the state of .* \(version 1\):\nstate.yml, 2 history entries, 3 module files\./,
    );
    // a second push would overwrite: refused without --force, nothing changed
    const again = await e(['-s', source, '--state', url, '--env', 'staging', 'state', 'push']);
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toMatch(/already holds a state \(version 1, 6 files\), so e did not overwrite it/);
    // e's records are also queryable as JSON
    const client = new pg.Client({ connectionString: withoutSchema(url) });
    await client.connect();
    try {
      const row = await client.query(
        `SELECT version, installed FROM "${schemaOf(url)}".environments WHERE name = 'staging'`,
      );
      expect(row.rows).toEqual([
        { version: '1', installed: { azi: expect.objectContaining({ version: '1.0', status: 'applied' }) } },
      ]);
    } finally {
      await client.end();
    }
    const target = tempDir();
    const pulled = await e(['-s', target, '--state', url, '--env', 'staging', 'state', 'pull']);
    expect(pulled.stderr).toBe('');
    expect(pulled.stdout).toContain('(version 1)');
    const { '.inputs/download.tgz': _local, ...expected } = tree(source);
    expect(tree(target)).toEqual(expected);
    expect(Object.keys(expected).sort()).toEqual([
      '.e/history/000001-azi-apply.diff.json',
      '.e/history/000002-azi-apply.json',
      'azi-config.yml',
      'azi/remote/deep/blob.bin',
      'azi/run.sh',
      'state.yml',
    ]);
    // pulling over a state needs --force
    const over = await e(['-s', source, '--state', url, '--env', 'staging', 'state', 'pull']);
    expect(over.exitCode).toBe(1);
    expect(over.stderr).toMatch(/already holds a state \(6 files\), so e did not overwrite it/);
    writeFileSync(join(source, 'azi-config.yml'), 'nodes: 3\n');
    const forced = await e(['-s', source, '--state', url, '--env', 'staging', 'state', 'pull', '--force']);
    expect(forced.exitCode).toBe(0);
    expect(readFileSync(join(source, 'azi-config.yml'), 'utf8')).toBe('nodes: 5\n');
    expect(readFileSync(join(source, '.inputs/download.tgz'), 'utf8')).toBe('local only');
    // e reads it through the backend, into an empty working copy
    const work = tempDir();
    const shown = await e(['-s', work, '--state', url, '--env', 'staging', 'state', 'show', 'azi', '-o', 'json']);
    expect(shown.stderr).toBe('');
    expect(JSON.parse(shown.stdout)).toEqual({ nodes: ['10.0.0.1'] });
    expect(tree(work)['state.yml']).toBe(expected['state.yml']);
  });

  it('refuses to turn a directory with a local state into a working copy, and keeps hand edits of one', async () => {
    const url = freshUrl();
    const local = tempDir();
    localState(local);
    const refused = await e(['-s', local, '--state', url, 'status']);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(/holds a local state, so e did not replace it with .*environment default/);
    expect(refused.stderr).toContain('e state push');
    expect(readFileSync(join(local, 'azi-config.yml'), 'utf8')).toBe('nodes: 5\n');
    // a working copy: a hand edit survives a read-only command and goes back with the next write
    await e(['-s', local, '--state', url, 'state', 'push']);
    const work = tempDir();
    expect((await e(['-s', work, '--state', url, 'status'])).exitCode).toBe(0);
    writeFileSync(
      join(work, 'state.yml'),
      readFileSync(join(work, 'state.yml'), 'utf8').replace('10.0.0.1', '10.9.9.9'),
    );
    expect((await e(['-s', work, '--state', url, 'state', 'show', 'azi'])).stdout).toContain('10.9.9.9');
    const backend = new PostgresStateBackend(url, 'default');
    await backend.withLock(work, { command: 'test write' }, async () => undefined);
    expect((await backend.readCanonical()).snapshot.get('state.yml')?.data.toString()).toContain('10.9.9.9');
    // an edit in a working copy that fell behind is refused, not lost
    const other = tempDir();
    await backend.withLock(other, { command: 'test write' }, async () => {
      writeFileSync(join(other, 'azi-config.yml'), 'nodes: 7\n');
    });
    writeFileSync(join(work, 'azi-config.yml'), 'nodes: 9\n');
    const behind = await e(['-s', work, '--state', url, 'status']);
    expect(behind.exitCode).toBe(1);
    expect(behind.stderr).toMatch(/has edits of its own \(azi-config.yml\) and .* moved on from version 2 to 3/);
    expect(readFileSync(join(work, 'azi-config.yml'), 'utf8')).toBe('nodes: 9\n');
    expect((await readSnapshot(other)).get('azi-config.yml')?.data.toString()).toBe('nodes: 7\n');
  });

  it('bad URLs and environment names are one sentence each', async () => {
    const bad = await e(['--state', 'postgres://e@127.0.0.1:1/x?schema=a;b', 'status']);
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toMatch(/^e: The state URL .* has schema="a;b", which is not a plain SQL name\.\n/);
    const env = await e(['--state', cluster.url, '--env', '../prod', 'status']);
    expect(env.stderr).toMatch(/^e: The environment name "..\/prod" \(--env, E_ENV\) is not a name e accepts\./);
    const down = await e(['--state', 'postgres://e@127.0.0.1:1/x', 'status']);
    expect(down.exitCode).toBe(1);
    expect(down.stderr).toMatch(
      /^e: Cannot connect to the state backend postgres:\/\/e@127.0.0.1:1\/x: .*ECONNREFUSED/,
    );
  });
});
