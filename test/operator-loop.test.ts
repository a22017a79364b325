import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { parse } from 'yaml';
import {
  E_BIN,
  e,
  eContainerLabels,
  eContainers,
  ROOT,
  RUNTIME_REPOSITORY,
  tempShared,
  waitFor,
} from './support/run-e.js';

const REPOSITORY = join(ROOT, 'repository.yml');

/** Starts e on a pseudo-terminal (util-linux `script`); what is written to `child.stdin` is typed. */
function startOnTerminal(args: readonly string[]) {
  const line = [process.execPath, E_BIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const child = spawn('script', ['-qec', line, '/dev/null'], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1', E_PLATFORM: '' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  onTestFinished(() => {
    child.kill('SIGKILL');
  });
  let screen = '';
  child.stdout.on('data', (chunk: Buffer) => {
    screen += chunk.toString('utf8');
  });
  const done = new Promise<{ code: number | null; screen: string }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, screen }));
  });
  return { child, done, screen: () => screen };
}

/** Runs e on a pseudo-terminal, typing `answer` at its question. */
function onTerminal(args: readonly string[], answer: string): Promise<{ code: number | null; screen: string }> {
  const run = startOnTerminal(args);
  run.child.stdin.write(`${answer}\n`);
  return run.done;
}

function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const entry of readdirSync(join(dir, rel), { withFileTypes: true })) {
      const path = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (path === '.e') continue;
      if (entry.isDirectory()) walk(path);
      else out[path] = readFileSync(join(dir, path), 'utf8');
    }
  };
  walk('');
  return out;
}

beforeAll(() => {
  execFileSync('script', ['--version']);
});

describe('e apply on a terminal: the plan first, then the question', () => {
  it('shows the plan text before asking; "no" leaves everything untouched, "yes" applies', async () => {
    const shared = tempShared();
    const base = ['-r', REPOSITORY, '-s', shared];
    expect((await e([...base, 'module', 'install', 'azi', '-y'])).exitCode).toBe(0);
    expect((await e([...base, 'init', 'kafka'])).exitCode).toBe(0);
    const before = tree(shared);
    const history = readdirSync(join(shared, '.e/history')).length;

    const no = await onTerminal([...base, 'apply', 'kafka'], 'no');
    expect(no.code).toBe(1);
    const question = no.screen.indexOf('Apply kafka 0.1.0 to the shared directory');
    expect(question).toBeGreaterThan(0);
    // the module's plan text and e's summary are on screen before the question
    expect(no.screen.indexOf('kafka |   ~ azi.nodes.0.usedBy: unused -> kafka')).toBeLessThan(question);
    expect(no.screen.indexOf('the plan above proposes 6 change(s) to kafka, azi')).toBeLessThan(question);
    expect(no.screen).toContain('Apply cancelled: nothing was applied.');
    expect(tree(shared)).toEqual(before);
    expect(readdirSync(join(shared, '.e/history'))).toHaveLength(history); // a preview is not recorded
    expect(existsSync(join(shared, 'kafka'))).toBe(false);

    const yes = await onTerminal([...base, 'apply', 'kafka'], 'yes');
    expect(yes.code, yes.screen).toBe(0);
    expect(yes.screen).toContain('kafka 0.1.0 apply: done.');
    expect(readFileSync(join(shared, 'state.yml'), 'utf8')).toContain('usedBy: kafka');
  });
});

describe('e module install on a terminal: each module planned, shown, then one question', () => {
  it('shows the plan before asking; "no" leaves the module initialized and unapplied, "yes" applies it', async () => {
    const shared = tempShared();
    const args = ['-r', RUNTIME_REPOSITORY, '-s', shared, 'module', 'install', 'slow-a'];
    const no = await onTerminal(args, 'no');
    expect(no.code).toBe(1);
    const question = no.screen.indexOf('Apply slow-a 0.1.0?');
    expect(question).toBeGreaterThan(0);
    expect(no.screen.indexOf('slow-a | slow-a: will apply')).toBeLessThan(question);
    expect(no.screen).toContain('slow-a 0.1.0 was not applied: the answer was no.');
    const state = () => parse(readFileSync(join(shared, 'state.yml'), 'utf8'));
    expect(state()['slow-a'].status).toBe('initialized');
    const yes = await onTerminal(args, 'yes');
    expect(yes.code, yes.screen).toBe(0);
    expect(state()['slow-a'].status).toBe('applied');
  });
});

describe('structured plans', () => {
  it('e plan -o json carries the plan text and the proposed changes by section; --out saves them, --show prints them', async () => {
    const shared = tempShared();
    const base = ['-r', REPOSITORY, '-s', shared];
    expect((await e([...base, 'module', 'install', 'azi', '-y'])).exitCode).toBe(0);
    expect((await e([...base, 'init', 'kafka'])).exitCode).toBe(0);
    const file = join(shared, 'kafka.plan.json');
    const planned = await e([...base, '-o', 'json', 'plan', 'kafka', '--out', file]);
    expect(planned.exitCode, planned.stderr).toBe(0);
    const data = JSON.parse(planned.stdout);
    expect(data.plan.exitCode).toBe(2);
    expect(data.plan.text).toContain('~ azi.nodes.0.usedBy: unused -> kafka');
    expect(data.plan.proposed.map((s: { section: string }) => s.section)).toEqual(['kafka', 'azi']);
    expect(data.plan.proposed[1].changes[0]).toEqual({
      action: 'change',
      path: 'azi.nodes.0.usedBy',
      from: 'unused',
      to: 'kafka',
    });
    // the proposal file is read by e, never merged into the shared directory
    expect(existsSync(join(shared, 'kafka'))).toBe(false);
    const shown = await e([...base, 'plan', '--show', file]);
    expect(shown.exitCode, shown.stderr).toBe(0);
    expect(shown.stdout).toContain('kafka 0.1.0 on linux/');
    expect(shown.stdout).toContain('~ azi.nodes.0.usedBy: unused -> kafka');
    expect(shown.stdout).toContain(`Apply exactly this plan with e apply --plan ${file}.`);
    const json = JSON.parse((await e([...base, '-o', 'json', 'plan', '--show', file])).stdout);
    expect(json.proposed[0].section).toBe('kafka');
  });
});

describe('Ctrl-C on a terminal during e module install', () => {
  it('stops and removes the container, merges nothing, marks the apply failed, releases the lock, exits 130', async () => {
    const shared = tempShared();
    const run = startOnTerminal(['-r', RUNTIME_REPOSITORY, '-s', shared, 'module', 'install', 'sleepy', '-y']);
    await waitFor(
      'the container of sleepy apply',
      async () =>
        (await eContainerLabels()).some((l) => l['org.e.run.shared'] === shared && l['org.e.run.command'] === 'apply')
          ? true
          : undefined,
      120_000,
    );
    const before = parse(readFileSync(join(shared, 'state.yml'), 'utf8'));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    run.child.stdin.write('\x03'); // the terminal turns it into SIGINT for e
    const result = await run.done;
    expect(result.code, result.screen).toBe(130);
    expect(await eContainers(shared)).toEqual([]);
    expect(existsSync(join(shared, '.e/lock'))).toBe(false);
    // nothing the interrupted apply wrote was merged; e's record says the apply did not finish
    const after = parse(readFileSync(join(shared, 'state.yml'), 'utf8'));
    expect(after.sleepy).toEqual(before.sleepy);
    expect(after.e.installed.sleepy).toMatchObject({ status: 'failed', version: '0.1.0' });
    expect(readdirSync(join(shared, '.e/runs'))).toEqual([]);
    expect(result.screen).toContain('was interrupted, so e stopped and removed its container');
  });
});

describe('honest rollback', () => {
  it("a rollback to the revision of a successful apply gives that apply's records back: applied in e status", async () => {
    const shared = tempShared();
    const base = ['-r', REPOSITORY, '-s', shared];
    expect((await e([...base, 'module', 'install', 'azi', '-y'])).exitCode).toBe(0);
    expect((await e([...base, 'init', 'kafka'])).exitCode).toBe(0);
    const applied = await e([...base, '-o', 'json', 'apply', 'kafka', '-y']);
    expect(applied.exitCode, applied.stderr).toBe(0);
    const revision = JSON.parse(applied.stdout).history as number;
    const status = async () =>
      (
        JSON.parse((await e([...base, '-o', 'json', 'status'])).stdout) as {
          modules: { module: string; status: string }[];
        }
      ).modules.find((m) => m.module === 'kafka')?.status;
    expect(await status()).toBe('applied');
    const back = await e([...base, 'state', 'rollback', String(revision - 1), '-y']);
    expect(back.exitCode, back.stderr).toBe(0);
    expect(back.stdout).toContain('Only state.yml changes: the real infrastructure stays as the modules left it.');
    expect(await status()).toBe('initialized');
    expect((await e([...base, 'state', 'rollback', String(revision), '-y'])).exitCode).toBe(0);
    expect(await status()).toBe('applied');
  });
});
