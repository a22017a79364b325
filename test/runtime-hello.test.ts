import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { e, eIn, ROOT, tempShared } from './support/run-e.js';
import {
  expectNoEContainers,
  requireTestImages,
  stateData,
  stateText,
  writeState,
} from './support/runtime-fixtures.js';

beforeAll(requireTestImages);
afterAll(expectNoEContainers);

function history(shared: string): string[] {
  const dir = join(shared, '.e/history');
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

describe('hello through the built CLI', () => {
  it('runs init, plan, apply, audit and metadata, prefixing its output and recording each run', async () => {
    const shared = tempShared();
    const repo = ['-r', join(ROOT, 'repository.yml'), '-s', shared];
    for (const [args, command, says] of [
      [['init', 'hello'], 'init', true],
      [['plan', 'hello'], 'plan', true],
      [['apply', 'hello', '-y'], 'apply', true],
      [['audit', 'hello'], 'audit', true],
      [['module', 'run', 'hello', 'metadata'], 'metadata', false],
    ] as const) {
      const result = await e([...repo, ...args]);
      expect(result.exitCode, result.stderr).toBe(0);
      if (says) expect(result.stdout).toContain(`hello | hello from ${command} on x64`);
      expect(result.stderr).toContain(`hello | hello ${command}: arch=x64 platform=linux/amd64`);
    }
    expect(history(shared)).toHaveLength(5);
    const record = (stateData(shared).e as { installed: { hello: Record<string, unknown> } }).installed.hello;
    expect(record).toMatchObject({ version: '0.1.0', platform: 'linux/amd64', status: 'applied', needsPlan: false });
    expect(record.digest).toMatch(/^localhost:5000\/modules\/hello@sha256:[0-9a-f]{64}$/);
    const run = JSON.parse(readFileSync(join(shared, '.e/history', history(shared)[2] as string), 'utf8'));
    expect(run).toMatchObject({
      module: 'hello',
      command: 'apply',
      exitCode: 0,
      outcome: 'succeeded',
      platform: 'linux/amd64',
    });
  });

  it('the top-level and module forms are the same command, and -o json keeps stdout for the result', async () => {
    const shared = tempShared();
    const result = await eIn(shared, ['-o', 'json', 'module', 'plan', 'hello@0.1.0']);
    expect(result.exitCode, result.stderr).toBe(0);
    const data = JSON.parse(result.stdout);
    expect(data).toMatchObject({
      module: 'hello',
      version: '0.1.0',
      command: 'plan',
      exitCode: 0,
      platform: 'linux/amd64',
    });
    expect(result.stderr).toContain('hello | hello from plan on x64');
  });

  it('runs on linux/arm64 under emulation when asked with --platform', async () => {
    const shared = tempShared();
    const result = await eIn(shared, ['module', 'run', 'hello', 'plan', '--platform', 'linux/arm64']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain('hello | hello from plan on arm64');
    expect(result.stderr).toContain('platform=linux/arm64');
  });

  it('passes extra args after -- and fails with the module exit code explained', async () => {
    const shared = tempShared();
    const result = await eIn(shared, ['module', 'run', 'hello', 'greet', '--', '--loud']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('hello | hello: unknown command "greet"');
    expect(result.stderr).toContain('e: hello 0.1.0 greet failed with exit code 1; state.yml is unchanged.');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('exit codes, confirmation and saved plans', () => {
  it('plan exits 0 without --detailed-exitcode, 2 with it when there are changes; audit drift (3) passes through', async () => {
    const shared = tempShared();
    expect((await eIn(shared, ['init', 'misbehave'])).exitCode).toBe(0);
    expect((await eIn(shared, ['plan', 'misbehave'])).exitCode).toBe(0);
    const detailed = await eIn(shared, ['plan', 'misbehave', '--detailed-exitcode']);
    expect(detailed.exitCode, detailed.stderr).toBe(2);
    expect(detailed.stdout).toContain('misbehave 0.1.0 plan: changes proposed.');
    writeState(
      shared,
      stateText(shared).replace('status: initialized', 'status: initialized\n  drift: node-1 resized by hand'),
    );
    const audit = await eIn(shared, ['audit', 'misbehave']);
    expect(audit.exitCode).toBe(3);
    expect(audit.stdout).toContain('drift found');
  });

  it('apply refuses without -y when stdin is not a terminal, before running anything', async () => {
    const shared = tempShared();
    const result = await eIn(shared, ['apply', 'hello']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('e apply hello needs confirmation, but stdin is not a terminal.');
    expect(history(shared)).toEqual([]);
  });

  it('apply shows the diff of the state it made', async () => {
    const shared = tempShared();
    await eIn(shared, ['init', 'misbehave']);
    const result = await eIn(shared, ['apply', 'misbehave', '--yes']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain('-  status: initialized');
    expect(result.stdout).toContain('+  status: applied');
    expect(result.stdout).not.toContain('\x1b['); // NO_COLOR and no terminal: plain
  });

  it('e apply --plan applies a saved plan, and refuses it once the config, the state or the image changed', async () => {
    const shared = tempShared();
    const planFile = join(shared, 'misbehave.plan');
    await eIn(shared, ['init', 'misbehave']);
    const plan = await eIn(shared, ['plan', 'misbehave', '--out', planFile]);
    expect(plan.exitCode, plan.stderr).toBe(0);
    expect(JSON.parse(readFileSync(planFile, 'utf8'))).toMatchObject({
      module: 'misbehave',
      version: '0.1.0',
      exitCode: 2,
    });

    const config = join(shared, 'misbehave-config.yml');
    const original = readFileSync(config, 'utf8');
    writeFileSync(config, `${original}replicas: 5\n`);
    const staleConfig = await eIn(shared, ['apply', '--plan', planFile, '-y']);
    expect(staleConfig.exitCode).toBe(1);
    expect(staleConfig.stderr).toContain('The saved plan for misbehave is stale: misbehave-config.yml changed.');
    writeFileSync(config, original);

    const before = stateText(shared);
    writeState(shared, `${before}other: {by: hand}\n`);
    const staleState = await eIn(shared, ['apply', '--plan', planFile, '-y']);
    expect(staleState.exitCode).toBe(1);
    expect(staleState.stderr).toContain('state.yml changed');
    writeState(shared, before);

    const wrongImage = await eIn(shared, ['apply', '--plan', planFile, '-y', '--platform', 'linux/arm64']);
    expect(wrongImage.exitCode).toBe(1);
    expect(wrongImage.stderr).toContain('the platform is now linux/arm64, the plan was made for linux/amd64');

    const applied = await eIn(shared, ['apply', '--plan', planFile, '-y']);
    expect(applied.exitCode, applied.stderr).toBe(0);
    expect(stateData(shared).misbehave).toMatchObject({ status: 'applied', applies: 1 });
  });
});

describe('refusals before anything runs', () => {
  it.each([
    [
      ['plan', 'amd64-declared', '--platform', 'linux/arm64'],
      'amd64-declared 0.1.0 cannot run on linux/arm64: the repository offers linux/amd64.',
    ],
    [
      ['plan', 'fake-arm64', '--platform', 'linux/arm64'],
      'fake-arm64 0.1.0 cannot run on linux/arm64: the registry (localhost:5000/modules/hello:0.1.0-amd64) offers linux/amd64.',
    ],
    [
      ['plan', 'hello', '--platform', 'linux/s390x'],
      'hello 0.1.0 cannot run on linux/s390x: the repository offers linux/amd64, linux/arm64.',
    ],
    [['plan', 'missing-image'], 'The registry has no image localhost:5000/test-modules/does-not-exist:0.1.0'],
    [['plan', 'helo'], 'has no module named "helo" (did you mean "hello"?).'],
    [['plan', 'hello@9.9.9'], 'has no version 9.9.9 of hello.'],
    [['module', 'run', 'hello', 'backup'], 'hello 0.1.0 has no command "backup"'],
    [['plan', 'hello', '--timeout', 'soon'], '--timeout "soon" is not a duration'],
  ])('e %j', async (args, message) => {
    const shared = tempShared();
    const result = await eIn(shared, args);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(shared, 'state.yml'))).toBe(false);
    expect(history(shared)).toEqual([]);
  });

  it('names the engine and what to do when none answers', async () => {
    const shared = tempShared();
    const result = await eIn(shared, ['plan', 'hello'], { env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' } });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('No Docker engine answers at DOCKER_HOST=unix:///nonexistent/docker.sock');
    expect(result.stderr).toContain('Start Docker');
  });
});
