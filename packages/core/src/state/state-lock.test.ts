import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { listHistory } from './state-history.js';
import { acquireStateLock, readStateLock, unlockState } from './state-lock.js';
import { statePaths } from './state-paths.js';
import { readStateText, writeStateText } from './state-store.js';
import { withStateLock } from './with-state-lock.js';

/** A real e-like process that takes the lock; bundled from this source once for all tests. */
const CHILD_SOURCE = `
import { withStateLock } from './with-state-lock.js';
import { readStateText, writeStateText } from './state-store.js';
import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { runDir, writeBaseline, writeMarker } from '../run/run-dir.js';
import { stageSharedDir } from '../run/stage.js';

const [mode, shared, name, timeoutMs, holdMs] = process.argv.slice(2);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const options = { command: 'child ' + name, timeoutMs: Number(timeoutMs), onNotice: (m) => console.log('notice: ' + m) };

async function main() {
  await withStateLock(shared, options, async () => {
    console.log('locked');
    if (mode === 'increment') {
      const text = (await readStateText(shared)) ?? '';
      const count = Number(/^count: (\\d+)$/m.exec(text)?.[1] ?? 0);
      await sleep(Number(holdMs));
      const rest = text.replace(/^count: .*\\n/m, '');
      await writeStateText(shared, 'count: ' + (count + 1) + '\\n' + rest + name + ': {done: true}\\n');
      return;
    }
    if (mode === 'run' || mode === 'ran') {
      // what a module run leaves on disk: its marker, its staging copy, what the module wrote there
      const before = (await readStateText(shared)) ?? null;
      const marker = {
        id: 'run-1', module: 'kafka', version: '0.1.0', command: 'apply', args: [], digest: 'reg/kafka@sha256:1',
        platform: 'linux/amd64', labels: {}, influences: [], allowedSections: [], influencedPlan: false,
        by: 'e apply kafka', pid: process.pid, host: hostname(), startedAt: new Date().toISOString(),
        stateBefore: before, phase: 'running', exitCode: null,
      };
      await writeMarker(shared, marker);
      const stage = await stageSharedDir(shared, runDir(shared, 'run-1').stage);
      await writeBaseline(shared, 'run-1', stage);
      writeFileSync(join(stage.dir, 'state.yml'), mode === 'run' ? 'kafka: [half written\\n' : (before ?? '') + 'kafka: {status: applied}\\n');
      if (mode === 'ran') await writeMarker(shared, { ...marker, phase: 'exited', exitCode: 0 });
      console.log('running');
    }
    setInterval(() => {}, 1000);
    await new Promise(() => {});
  });
}
main().then(
  () => process.exit(0),
  (error) => { console.log('error: ' + error.message); process.exit(1); },
);
`;

let workDir: string;
let childScript: string;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'e-state-lock-'));
  childScript = join(workDir, 'lock-child.mjs');
  await build({
    stdin: { contents: CHILD_SOURCE, resolveDir: import.meta.dirname, loader: 'ts', sourcefile: 'lock-child.ts' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: childScript,
    // CommonJS dependencies (write-file-atomic) expect these inside an ES module bundle
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; import { fileURLToPath as __fu } from 'node:url'; const require = __cr(import.meta.url); const __filename = __fu(import.meta.url); const __dirname = __filename.replace(/[^/]*$/, '');",
    },
    logLevel: 'silent',
  });
});

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

interface Child {
  proc: ChildProcess;
  output: () => string;
  waitFor: (pattern: RegExp) => Promise<void>;
  exited: Promise<number | null>;
}

const children: Child[] = [];

function startChild(args: string[]): Child {
  const proc = spawn(process.execPath, [childScript, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  const onData = (chunk: Buffer) => {
    out += chunk.toString();
    for (const w of waiters.filter((w) => w.pattern.test(out))) w.resolve();
  };
  proc.stdout?.on('data', onData);
  proc.stderr?.on('data', onData);
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const child: Child = {
    proc,
    output: () => out,
    exited,
    waitFor: (pattern) =>
      new Promise<void>((resolve, reject) => {
        if (pattern.test(out)) return resolve();
        waiters.push({ pattern, resolve });
        void exited.then(() => (pattern.test(out) ? resolve() : reject(new Error(`child exited; output: ${out}`))));
      }),
  };
  children.push(child);
  return child;
}

let shared: string;
beforeEach(async () => {
  shared = await mkdtemp(join(workDir, 'shared-'));
  return async () => {
    for (const child of children.splice(0)) if (child.proc.exitCode === null) child.proc.kill('SIGKILL');
  };
});

describe('state lock across real processes', () => {
  it('serialises two writers that wait: both updates survive, one was told it waited', async () => {
    const a = startChild(['increment', shared, 'alpha', '20000', '600']);
    const b = startChild(['increment', shared, 'beta', '20000', '600']);
    expect(await a.exited).toBe(0);
    expect(await b.exited).toBe(0);
    const text = await readStateText(shared);
    expect(text).toMatch(/^count: 2$/m);
    expect(text).toContain('alpha: {done: true}');
    expect(text).toContain('beta: {done: true}');
    const waited = [a, b].filter((c) =>
      /notice: Waiting up to 20s for the state lock held by pid \d+/.test(c.output()),
    );
    expect(waited).toHaveLength(1);
    expect(await readStateLock(shared)).toBeUndefined();
  }, 30_000);

  it('fails at once with --lock-timeout 0, naming the holder, without touching its update', async () => {
    const a = startChild(['increment', shared, 'alpha', '0', '3000']);
    await a.waitFor(/locked/);
    const b = startChild(['increment', shared, 'beta', '0', '0']);
    expect(await b.exited).toBe(1);
    expect(b.output()).toContain(`error: The state is locked by pid ${a.proc.pid} on host`);
    expect(b.output()).toContain('(child alpha) since');
    expect(await a.exited).toBe(0);
    expect(await readStateText(shared)).toBe('count: 1\nalpha: {done: true}\n');
  }, 30_000);

  it('recovers the lock of a kill -9ed process and says so', async () => {
    const a = startChild(['hang', shared, 'alpha', '0', '0']);
    await a.waitFor(/locked/);
    expect((await readStateLock(shared))?.pid).toBe(a.proc.pid);
    a.proc.kill('SIGKILL');
    await a.exited;
    const notices: string[] = [];
    const lock = await acquireStateLock(shared, { command: 'e test', onNotice: (m) => notices.push(m) });
    expect(notices).toEqual([
      expect.stringMatching(
        new RegExp(`^Recovered the state lock left by pid ${a.proc.pid} .*\\(child alpha\\).*no longer running\\.$`),
      ),
    ]);
    expect((await readStateLock(shared))?.pid).toBe(process.pid);
    await lock.release();
    expect(await readStateLock(shared)).toBeUndefined();
  }, 30_000);

  it('drops a module run whose e process was kill -9ed while its container ran: nothing merged, run recorded', async () => {
    const original = '# before\nazi: {status: applied}\n';
    await writeFile(statePaths(shared).state, original);
    const a = startChild(['run', shared, 'alpha', '0', '0']);
    await a.waitFor(/running/);
    a.proc.kill('SIGKILL');
    await a.exited;
    const notices: string[] = [];
    await withStateLock(shared, { command: 'e test', onNotice: (m) => notices.push(m) }, async () => {});
    expect(notices[0]).toMatch(/^Recovered the state lock left by pid/);
    expect(notices[1]).toMatch(
      /^An earlier run of kafka apply was interrupted when e \(pid \d+ on .*\) stopped \(history entry 1\); nothing it wrote was merged\.$/,
    );
    expect(await readStateText(shared)).toBe(original);
    const [entry] = await listHistory(shared);
    expect(entry).toMatchObject({ seq: 1, module: 'kafka', outcome: 'interrupted', exitCode: null, after: original });
    expect(entry?.message).toContain(`e (pid ${a.proc.pid} on`);
  }, 30_000);

  it('rolls FORWARD a run whose container had finished when e was kill -9ed before merging it', async () => {
    const original = '# before\nazi: {status: applied}\n';
    await writeFile(statePaths(shared).state, original);
    const a = startChild(['ran', shared, 'alpha', '0', '0']);
    await a.waitFor(/running/);
    a.proc.kill('SIGKILL');
    await a.exited;
    const notices: string[] = [];
    await withStateLock(shared, { command: 'e test', onNotice: (m) => notices.push(m) }, async () => {});
    expect(notices[1]).toMatch(
      /^An earlier run of kafka apply had finished \(exit 0\) when e .* e completed it \(history entry 1\): its changes to kafka were merged\.$/,
    );
    expect(await readStateText(shared)).toContain('# before\nazi: {status: applied}\nkafka: {status: applied}\n');
    const [entry] = await listHistory(shared);
    expect(entry).toMatchObject({
      seq: 1,
      module: 'kafka',
      outcome: 'succeeded',
      exitCode: 0,
      changedSections: ['kafka'],
    });
  }, 30_000);
});

describe('state lock in one process', () => {
  it('is not re-entrant: a second acquisition fails naming the first holder', async () => {
    await withStateLock(shared, { command: 'e first' }, async () => {
      await expect(acquireStateLock(shared, { command: 'e second' })).rejects.toThrow(
        `The state is locked by pid ${process.pid}`,
      );
    });
  });

  it('loses no update among ten concurrent writers that wait', async () => {
    const writers = Array.from({ length: 10 }, (_, i) =>
      withStateLock(shared, { command: `writer ${i}`, timeoutMs: 20_000 }, async () => {
        const text = (await readStateText(shared)) ?? 'count: 0\n';
        await new Promise((resolve) => setTimeout(resolve, 5));
        await writeStateText(shared, `count: ${Number(/\d+/.exec(text)?.[0]) + 1}\n`);
      }),
    );
    await Promise.all(writers);
    expect(await readStateText(shared)).toBe('count: 10\n');
  }, 30_000);

  it('waits for the timeout, then says how long it waited', async () => {
    const lock = await acquireStateLock(shared, { command: 'e first' });
    const started = Date.now();
    await expect(acquireStateLock(shared, { command: 'e second', timeoutMs: 300 })).rejects.toThrow(
      /\(e first\) since .* after waiting 300ms\.$/,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    await lock.release();
  });

  it('unlock refuses a live holder without --force and removes it with', async () => {
    const lock = await acquireStateLock(shared, { command: 'e apply kafka' });
    await expect(unlockState(shared)).rejects.toThrow(/that process is still running/);
    const result = await unlockState(shared, { force: true });
    expect(result.removed?.command).toBe('e apply kafka');
    expect(result.liveness).toBe('alive');
    await lock.release(); // no longer ours: must not throw
    expect(await unlockState(shared)).toEqual({ removed: undefined, liveness: undefined });
  });

  it('unlock removes a dead holder, and a lock from another host needs --force', async () => {
    const lockPath = statePaths(shared).lock;
    await withStateLock(shared, { command: 'x' }, async () => {}); // creates .e/
    const dead = {
      pid: 2 ** 22 + 17,
      host: (await import('node:os')).hostname(),
      command: 'e apply',
      startedAt: 'x',
      id: 'a',
    };
    await writeFile(lockPath, JSON.stringify(dead));
    expect((await unlockState(shared)).liveness).toBe('dead');
    await writeFile(lockPath, JSON.stringify({ ...dead, host: 'elsewhere' }));
    await expect(unlockState(shared)).rejects.toThrow(/on host elsewhere .*cannot tell from here/);
    await expect(acquireStateLock(shared, { command: 'y' })).rejects.toThrow(/locked by pid \d+ on host elsewhere/);
    expect((await unlockState(shared, { force: true })).liveness).toBe('unknown');
    expect(await readFile(lockPath).catch(() => 'gone')).toBe('gone');
  });
});
