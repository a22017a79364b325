import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireStateLock, appendHistory, readStateText, writeStateText } from '@e/core/state';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type MainResult, runMain } from '../test-support/run-main.js';

let dir: string;
let shared: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'e-state-cli-'));
  shared = join(dir, 'shared');
  vi.stubEnv('NO_COLOR', '1');
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await rm(dir, { recursive: true, force: true });
});

/** Runs `e -s <shared> ...args` in-process and captures what it prints. */
function e(...args: string[]): Promise<MainResult> {
  return runMain(['-s', shared, ...args]);
}

/** What a successful module run leaves: the new state.yml and its history entry. */
async function simulateRun(module: string, text: string): Promise<void> {
  const before = (await readStateText(shared)) ?? null;
  await writeStateText(shared, text);
  await appendHistory(shared, {
    kind: 'run',
    time: new Date().toISOString(),
    module,
    version: '0.1.0',
    command: 'apply',
    exitCode: 0,
    durationMs: 1,
    outcome: 'succeeded',
    changedSections: [module],
    before,
    after: text,
  });
}

describe('e state', () => {
  it('show prints state.yml as it is, or its data as JSON, or one section', async () => {
    await writeStateText(shared, '# comment\nazi:  {status: applied}\n');
    expect(await e('state', 'show')).toEqual({ code: 0, stdout: '# comment\nazi:  {status: applied}\n', stderr: '' });
    expect(JSON.parse((await e('-o', 'json', 'state', 'show')).stdout)).toEqual({ azi: { status: 'applied' } });
    expect((await e('state', 'show', 'azi')).stdout).toBe('azi:\n  status: applied\n');
    expect(await e('state', 'show', 'kafka')).toMatchObject({
      code: 1,
      stderr: 'e: The state has no section "kafka".\n   Sections: azi.\n',
    });
  });

  it('show explains an invalid state without a stack trace', async () => {
    await writeStateText(shared, 'azi: [1\n');
    const result = await e('state', 'show');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^e: .*state\.yml:2:1: .*\n {3}Fix the file by hand/);
    expect(result.stderr).not.toContain(' at ');
  });

  it('history lists runs, shows one with its diff, and rollback returns to a revision', async () => {
    await simulateRun('azi', 'azi: {status: applied}\n');
    await simulateRun('kafka', 'azi: {status: applied}\nkafka: {status: applied}\n');
    const list = await e('state', 'history');
    expect(list.stdout.split('\n')[0]).toMatch(
      /^#\s+TIME\s+MODULE\s+VERSION\s+COMMAND\s+EXIT\s+DURATION\s+OUTCOME\s+CHANGED$/,
    );
    expect(list.stdout).toMatch(/\n2 .* kafka\s+0\.1\.0\s+apply\s+0\s+\S+\s+succeeded\s+kafka\n/);
    const json = JSON.parse((await e('-o', 'json', 'state', 'history')).stdout) as { seq: number; before?: string }[];
    expect(json.map((entry) => entry.seq)).toEqual([1, 2]);
    expect(json[0]?.before).toBeUndefined();
    expect((await e('state', 'history', '2')).stdout).toContain('+kafka: {status: applied}');

    // without a terminal a rollback needs -y, and says it rewrites only the file
    const refused = await e('state', 'rollback', '1');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('e state rollback 1 needs confirmation, but stdin is not a terminal.');
    expect(await readFile(join(shared, 'state.yml'), 'utf8')).toBe(
      'azi: {status: applied}\nkafka: {status: applied}\n',
    );
    const rollback = await e('state', 'rollback', '1', '-y');
    expect(rollback.code).toBe(0);
    expect(rollback.stdout).toContain('Rolled state.yml back to revision 1 (recorded as history entry 3):');
    expect(rollback.stdout).toContain(
      'Only state.yml changes: the real infrastructure stays as the modules left it. Compare it with the real world: e audit kafka, then e plan kafka.',
    );
    expect(await readFile(join(shared, 'state.yml'), 'utf8')).toBe('azi: {status: applied}\n');
    expect((await e('state', 'rollback', '1', '-y')).stdout).toBe('state.yml already is revision 1; nothing to do.\n');
    expect((await e('state', 'rollback', '9', '-y')).stderr).toContain(
      'There is no revision 9: the history goes from 0 to 3.',
    );
  });

  it('history shows pruned entries with their diff, and rollback names the oldest revision it can return to', async () => {
    vi.stubEnv('E_HISTORY_LIMIT', '2');
    await simulateRun('azi', 'azi: {size: 1}\n');
    await simulateRun('azi', 'azi: {size: 2}\n');
    await simulateRun('azi', 'azi: {size: 3}\n');
    const list = await e('state', 'history');
    expect(list.stdout).toMatch(
      /\n3 .*\n\n1 older entry keeps only the diff \(E_HISTORY_LIMIT\); e state rollback can return to revision 2 or later\.\n$/,
    );
    const json = JSON.parse((await e('-o', 'json', 'state', 'history')).stdout) as { seq: number; pruned?: boolean }[];
    expect(json.map((entry) => entry.pruned ?? false)).toEqual([true, false, false]);

    const one = await e('state', 'history', '1');
    expect(one.stdout).toContain('texts     pruned (older than E_HISTORY_LIMIT): only the diff below is kept\n');
    expect(one.stdout).toContain('+azi: {size: 1}');

    const refused = await e('state', 'rollback', '1');
    expect(refused.code).toBe(1);
    expect(refused.stderr.split('\n')[0]).toBe(
      'e: Revision 1 can no longer be restored, as history entry 1 keeps only its diff; the oldest revision e can return to is 2.',
    );
    expect(await readFile(join(shared, 'state.yml'), 'utf8')).toBe('azi: {size: 3}\n');
  });

  it('rollback waits for the lock only as long as --lock-timeout says, naming the holder', async () => {
    await simulateRun('azi', 'azi: {status: applied}\n');
    const lock = await acquireStateLock(shared, { command: 'e apply kafka' });
    try {
      const result = await e('state', 'rollback', '0', '-y', '--lock-timeout', '200ms');
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`e: The state is locked by pid ${process.pid} on host`);
      expect(result.stderr).toContain('(e apply kafka) since');
      expect(result.stderr).toContain('after waiting 200ms');
    } finally {
      await lock.release();
    }
    expect(await readFile(join(shared, 'state.yml'), 'utf8')).toBe('azi: {status: applied}\n');
  });

  it('unlock removes a dead holder and reports a missing lock', async () => {
    await simulateRun('azi', 'azi: {}\n');
    const dead = {
      pid: 2 ** 22 + 17,
      host: (await import('node:os')).hostname(),
      command: 'e apply',
      startedAt: 'then',
      id: 'x',
    };
    await writeFile(join(shared, '.e', 'lock'), JSON.stringify(dead));
    const result = await e('state', 'unlock');
    expect(result.stdout).toMatch(
      /^Removed the state lock held by pid \d+ on host .* \(e apply\) since then \(it was no longer running\)\.\n$/,
    );
    expect((await e('state', 'unlock')).stdout).toBe('The state is not locked.\n');
  });
});
