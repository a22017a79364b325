import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import { onTestFinished, TestRunner } from 'vitest';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const E_BIN = join(ROOT, 'packages/cli/bin/e.js');
/** The test-only repository: hello, misbehave (test/modules/misbehave) and broken entries. */
export const RUNTIME_REPOSITORY = join(ROOT, 'test/fixtures/runtime/repository.yml');
/** Preloaded into each e started here: what e waits for, should it outlive its test (hang-report.cjs). */
const HANG_REPORT = join(ROOT, 'test/support/hang-report.cjs');
/** How long before its test's timeout an e still running is reported and killed. */
const HANG_MARGIN_MS = 10_000;

export interface EResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Bytes e wrote to stdout (all of them, even when `stdout` keeps only the tail). */
  stdoutBytes: number;
  /** Highest resident memory of the e process seen while it ran, in bytes (Linux /proc). */
  maxRssBytes: number;
}

export interface EOptions {
  env?: Record<string, string>;
  /** Where e runs (default: the repository root). */
  cwd?: string;
  /** Keep at most this many characters of stdout (the tail); the byte count is always exact. */
  keepStdout?: number;
  /** e leads a process group of its own, as in a terminal: `process.kill(-child.pid, 'SIGINT')` is Ctrl-C. */
  processGroup?: boolean;
  /** The bin/e.js to start (default: E_BIN, the built CLI's). */
  bin?: string;
}

/** A throw-away shared directory, removed when the test finishes. */
export function tempShared(): string {
  const dir = mkdtempSync(join(tmpdir(), 'e-runtime-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Starts the built CLI (`node packages/cli/bin/e.js ...`) without waiting for it. */
export function startE(
  args: readonly string[],
  options: EOptions = {},
): { child: ChildProcess; done: Promise<EResult> } {
  const reportDir = mkdtempSync(join(tmpdir(), 'e-hang-'));
  const reportFile = join(reportDir, 'report.json');
  const preload = options.env?.NODE_OPTIONS === undefined ? { NODE_OPTIONS: `--require ${HANG_REPORT}` } : {};
  const child = spawn(process.execPath, [options.bin ?? E_BIN, ...args], {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, NO_COLOR: '1', E_PLATFORM: '', E_TEST_HANG_REPORT: reportFile, ...preload, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.processGroup === true,
  });
  const keep = options.keepStdout ?? 1_000_000;
  let stdout = '';
  let stderr = '';
  let stdoutBytes = 0;
  let maxRssBytes = 0;
  child.stdout?.on('data', (chunk: Buffer) => {
    stdoutBytes += chunk.length;
    stdout = (stdout + chunk.toString('utf8')).slice(-keep);
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const sample = setInterval(() => {
    try {
      const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1];
      if (kb) maxRssBytes = Math.max(maxRssBytes, Number(kb) * 1024);
    } catch {
      // exited between two samples
    }
  }, 50);
  // an e still running shortly before its test times out: what it waits for goes into its stderr,
  // and it is killed, so the test fails on that instead of a bare "Test timed out"
  const test = TestRunner.getCurrentTest();
  const startedAt = test?.result?.startTime;
  // (a timeout of 0 is none: then e may run as long as it takes)
  const deadline =
    test && startedAt !== undefined && test.timeout > 0
      ? startedAt + test.timeout - HANG_MARGIN_MS - Date.now()
      : undefined;
  const watchdog =
    deadline === undefined
      ? undefined
      : setTimeout(
          () => {
            void reportHang(child, reportFile).then((report) => {
              stderr += `\n[test harness] e ${args.join(' ')} still ran ${HANG_MARGIN_MS / 1000} s before the test's timeout; killed. ${report}\n`;
              child.kill('SIGKILL');
            });
          },
          Math.max(deadline, 0),
        );
  watchdog?.unref();
  const done = new Promise<EResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (exitCode, signal) => {
      clearInterval(sample);
      if (watchdog) clearTimeout(watchdog);
      rmSync(reportDir, { recursive: true, force: true });
      resolve({ exitCode, signal, stdout, stderr, stdoutBytes, maxRssBytes });
    });
  });
  return { child, done };
}

/** What a hung e waits for: hang-report.cjs writes it on SIGUSR2 (waited for at most 3 s). */
async function reportHang(child: ChildProcess, file: string): Promise<string> {
  child.kill('SIGUSR2');
  for (let i = 0; i < 30 && !existsSync(file); i += 1) await new Promise((resolve) => setTimeout(resolve, 100));
  await new Promise((resolve) => setTimeout(resolve, 100));
  try {
    return `What it waited for: ${readFileSync(file, 'utf8')}`;
  } catch {
    return 'It wrote no report of what it waited for.';
  }
}

/** Runs the built CLI to its end. */
export function e(args: readonly string[], options: EOptions = {}): Promise<EResult> {
  return startE(args, options).done;
}

/** `e -r <runtime repository> -s <shared> ...args`. */
export function eIn(shared: string, args: readonly string[], options: EOptions = {}): Promise<EResult> {
  return e(['-r', RUNTIME_REPOSITORY, '-s', shared, ...args], options);
}

const docker = new Docker();
const MANAGED = 'org.e.run.managed-by=e';

/** Containers e labelled as its own; `shared` narrows to one shared directory. */
export async function eContainers(shared?: string): Promise<string[]> {
  const label = shared === undefined ? [MANAGED] : [MANAGED, `org.e.run.shared=${shared}`];
  const list = await docker.listContainers({ all: true, filters: JSON.stringify({ label }) });
  return list.map((c) => c.Id);
}

/** The labels of every container e labelled as its own. */
export async function eContainerLabels(): Promise<Record<string, string>[]> {
  const list = await docker.listContainers({ all: true, filters: JSON.stringify({ label: [MANAGED] }) });
  return list.map((c) => c.Labels ?? {});
}

/** Polls until `check` returns a value, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
