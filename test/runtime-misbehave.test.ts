import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eContainers, eIn, tempShared } from './support/run-e.js';
import { expectNoEContainers, requireTestImages, stateText, writeState } from './support/runtime-fixtures.js';

beforeAll(requireTestImages);
afterAll(expectNoEContainers);

/** A state with another module's section (with a comment e must keep) and misbehave installed. */
async function preparedShared(): Promise<string> {
  const shared = tempShared();
  writeState(shared, '# kept by hand\nazi:\n  status: applied   # two nodes\n  nodes: [10.0.0.1, 10.0.0.2]\n');
  const init = await eIn(shared, ['init', 'misbehave']);
  expect(init.exitCode, init.stderr).toBe(0);
  return shared;
}

function lastHistory(shared: string): Record<string, unknown> {
  const dir = join(shared, '.e/history');
  const last = readdirSync(dir).sort().at(-1) as string;
  return JSON.parse(readFileSync(join(dir, last), 'utf8'));
}

describe('a module that breaks the rules: e restores state.yml byte for byte and says what happened', () => {
  it.each([
    ['invalid-yaml', 'state.yml is no longer valid YAML'],
    ['delete-other', 'misbehave deleted section azi'],
    ['edit-records', "misbehave edited e's reserved records (e.installed.misbehave.version"],
    ['crash-mid-write', 'misbehave crash-mid-write broke the state rules'],
  ])('%s', async (mode, message) => {
    const shared = await preparedShared();
    const before = stateText(shared);
    const result = await eIn(shared, ['module', 'run', 'misbehave', mode]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(
      `e: misbehave ${mode} broke the state rules; state.yml was restored as it was before the run`,
    );
    expect(result.stderr).toContain(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(stateText(shared)).toBe(before);
    expect(lastHistory(shared)).toMatchObject({ module: 'misbehave', command: mode, outcome: 'restored' });
    expect(await eContainers(shared)).toEqual([]);
  });

  it('hangs past --timeout: the container is killed and removed, the run reported and recorded', async () => {
    const shared = await preparedShared();
    const before = stateText(shared);
    const started = Date.now();
    const result = await eIn(shared, ['module', 'run', 'misbehave', 'hang', '--timeout', '3s']);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain('misbehave | hanging');
    expect(result.stderr).toContain(
      'e: misbehave hang did not finish within 3s, so e killed and removed its container',
    );
    // what it wrote before hanging may be half a change: the snapshot comes back byte for byte
    expect(result.stderr).toContain('state.yml was restored as it was before the run because the run was timed-out');
    expect(stateText(shared)).toBe(before);
    expect(lastHistory(shared)).toMatchObject({ command: 'hang', outcome: 'timed-out', exitCode: null });
    expect(await eContainers(shared)).toEqual([]);
  });

  it('prints 50 MB: every line is streamed through with its prefix, and e stays small', async () => {
    const shared = await preparedShared();
    const before = stateText(shared);
    const result = await eIn(shared, ['module', 'run', 'misbehave', 'flood'], { keepStdout: 10_000 });
    expect(result.exitCode, result.stderr).toBe(0);
    const prefixed = `misbehave | ${'x'.repeat(99)}\n`;
    // 500,000 lines of 100 bytes each, every one prefixed, plus e's closing line
    expect(result.stdoutBytes).toBeGreaterThanOrEqual(500_000 * prefixed.length);
    expect(result.stdout).toContain(prefixed);
    expect(result.stderr).toContain('flooded 50 MB');
    expect(result.maxRssBytes).toBeGreaterThan(0);
    expect(result.maxRssBytes).toBeLessThan(150 * 1024 * 1024);
    expect(stateText(shared)).toBe(before);
  });
});
