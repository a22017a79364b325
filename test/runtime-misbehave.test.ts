import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eContainers, eIn, RUNTIME_REPOSITORY, startE, tempShared, waitFor } from './support/run-e.js';
import {
  expectNoEContainers,
  requireTestImages,
  stateData,
  stateText,
  writeState,
} from './support/runtime-fixtures.js';

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

/** Every file under `dir` (except e's history and run directories) with its bytes, to compare whole trees. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const entry of readdirSync(join(dir, rel), { withFileTypes: true })) {
      const path = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (path === '.e/history' || path === '.e/runs') continue;
      if (entry.isDirectory()) walk(path);
      else
        out[path] = entry.isFile()
          ? readFileSync(join(dir, path), 'utf8')
          : `<${entry.isSymbolicLink() ? 'symlink' : 'special'}>`;
    }
  };
  walk('');
  return out;
}

describe('a module that breaks the rules: the run is refused, nothing it wrote is merged, the path is named', () => {
  it.each([
    [
      'invalid-yaml',
      'misbehave invalid-yaml was refused, so nothing it wrote was merged: state.yml is no longer valid YAML',
    ],
    ['delete-other', 'misbehave deleted section azi'],
    ['edit-records', "misbehave edited e's reserved records (e.installed.misbehave.version"],
    ['crash-mid-write', 'misbehave crash-mid-write was refused'],
    ['edit-other-config', 'misbehave changed azi-config.yml, which belongs to azi'],
    ['write-outside', 'misbehave created notes.txt, which no module owns'],
    ['rewrite-history', 'misbehave created .e/, which no module owns'],
    ['fifo-state', 'misbehave made state.yml a FIFO'],
    ['dir-state', 'misbehave made state.yml a directory'],
  ])('%s', async (mode, message) => {
    const shared = await preparedShared();
    writeFileSync(join(shared, 'azi-config.yml'), 'size: 2 # by hand\n');
    const before = snapshot(shared);
    const history = readdirSync(join(shared, '.e/history')).map((f) =>
      readFileSync(join(shared, '.e/history', f), 'utf8'),
    );
    const result = await eIn(shared, ['module', 'run', 'misbehave', mode]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    // the live directory is byte for byte as it was, and no earlier history entry changed
    expect(snapshot(shared)).toEqual(before);
    expect(
      history.map((_, i) =>
        readFileSync(join(shared, '.e/history', readdirSync(join(shared, '.e/history')).sort()[i] as string), 'utf8'),
      ),
    ).toEqual(history);
    expect(lastHistory(shared)).toMatchObject({ module: 'misbehave', command: mode, outcome: 'refused' });
    expect(readdirSync(join(shared, '.e/runs'))).toEqual([]);
    expect(await eContainers(shared)).toEqual([]);
  });

  it('symlink-state: state.yml pointed at a host file is refused; the host file is untouched and never quoted', async () => {
    const shared = await preparedShared();
    const outside = join(tempShared(), 'host-secret.txt');
    writeFileSync(outside, 'host secret: do not read\n');
    const before = snapshot(shared);
    const result = await eIn(shared, ['module', 'run', 'misbehave', 'symlink-state', '--', outside]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('misbehave made state.yml a symlink');
    expect(readFileSync(outside, 'utf8')).toBe('host secret: do not read\n');
    expect(snapshot(shared)).toEqual(before);
    const entry = JSON.stringify(lastHistory(shared));
    expect(entry).not.toContain('host secret');
    expect(result.stderr + result.stdout).not.toContain('host secret');
    expect(await eContainers(shared)).toEqual([]);
  });

  it('own-files: its own section, <module>-config.yml and <module>/ are merged', async () => {
    const shared = await preparedShared();
    const result = await eIn(shared, ['module', 'run', 'misbehave', 'own-files']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(readFileSync(join(shared, 'misbehave-config.yml'), 'utf8')).toBe('wanted: more\n');
    expect(readFileSync(join(shared, 'misbehave/data/notes.txt'), 'utf8')).toBe('mine\n');
    expect(stateData(shared).azi).toEqual({ status: 'applied', nodes: ['10.0.0.1', '10.0.0.2'] });
    expect(stateData(shared).misbehave).toMatchObject({ status: 'applied', files: 2 });
  });

  it('deleting .e/lock while it runs does not let a second e in', async () => {
    const shared = await preparedShared();
    const first = startE(['-r', RUNTIME_REPOSITORY, '-s', shared, 'module', 'run', 'misbehave', 'delete-lock']);
    await waitFor('the module to run', async () =>
      existsSync(join(shared, '.e/runs')) && readdirSync(join(shared, '.e/runs')).length > 0 ? true : undefined,
    );
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const second = await eIn(shared, ['plan', 'misbehave']);
    expect(second.exitCode).toBe(1);
    expect(second.stderr).toMatch(/The state is locked by pid \d+ on host .* \(e .*delete-lock\)/);
    const done = await first.done;
    expect(done.exitCode, done.stderr).toBe(0);
    expect(done.stdout).toContain('no .e/lock to delete here');
  });

  it('a failed apply marks the record failed whatever the module wrote; a plan of another version leaves the record', async () => {
    const shared = await preparedShared();
    expect((await eIn(shared, ['apply', 'misbehave', '-y'])).exitCode).toBe(0);
    const record = () =>
      (stateData(shared).e as { installed: Record<string, { version: string; status: string }> }).installed.misbehave;
    expect(record()).toMatchObject({ version: '0.1.0', status: 'applied' });
    const plan = await eIn(shared, ['plan', 'misbehave@0.2.0']);
    expect(plan.exitCode, plan.stderr).toBe(0);
    expect(record()).toMatchObject({ version: '0.1.0', status: 'applied' });
    const failed = await eIn(shared, ['apply', 'misbehave@0.2.0', '-y']);
    expect(failed.exitCode).toBe(1);
    expect(failed.stderr).toContain('applied half, then failed');
    expect(record()).toMatchObject({ version: '0.1.0', status: 'failed' });
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
    // what it wrote before hanging may be half a change: none of it is merged
    expect(result.stderr).toContain('nothing it wrote was merged, so the shared directory is unchanged');
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
