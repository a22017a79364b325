import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parse, stringify } from 'yaml';
import { isPlainObject } from '../update-document.js';
import { steps, type TestCase } from './case-format.js';
import { matchSubset } from './match-subset.js';

export interface RunnerResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs one command of the module with `shared` as its shared directory (a container with
 * `shared` bound at /shared, or plain node with E_SHARED=shared).
 */
export type CaseRunner = (step: {
  command: string;
  args: readonly string[];
  env: Readonly<Record<string, string>>;
}) => Promise<RunnerResult>;

export interface CaseOutcome {
  passed: boolean;
  /** One line per failed expectation. */
  failures: string[];
  /** Output of every step, for the report. */
  runs: RunnerResult[];
}

/** Writes the case's `given` into the (empty) shared dir `shared`. */
export async function prepareShared(testCase: TestCase, shared: string): Promise<void> {
  await mkdir(shared, { recursive: true });
  if (testCase.given.state !== undefined) {
    await writeFile(join(shared, 'state.yml'), stringify(testCase.given.state, { lineWidth: 0 }));
  }
  for (const [path, content] of Object.entries(testCase.given.files)) {
    const target = join(shared, path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, typeof content === 'string' ? content : stringify(content, { lineWidth: 0 }));
  }
}

/** Prepares `shared`, runs the steps, then checks the expectations. */
export async function runCase(testCase: TestCase, options: { shared: string; run: CaseRunner }): Promise<CaseOutcome> {
  await prepareShared(testCase, options.shared);
  const all = steps(testCase);
  const runs: RunnerResult[] = [];
  const failures: string[] = [];
  for (const [i, step] of all.entries()) {
    const result = await options.run(step);
    runs.push(result);
    const last = i === all.length - 1;
    const wanted = last ? testCase.expect.exitCode : (step.exitCode ?? 0);
    if (result.exitCode !== wanted) {
      failures.push(`${step.command}: exit code ${result.exitCode}, expected ${wanted}${tail(result.stderr)}`);
      if (!last) return { passed: false, failures, runs };
    }
  }
  const final = runs[runs.length - 1]!;
  failures.push(...(await checkExpectations(testCase, options.shared, final)));
  return { passed: failures.length === 0, failures, runs };
}

async function checkExpectations(testCase: TestCase, shared: string, final: RunnerResult): Promise<string[]> {
  const { expect } = testCase;
  const failures: string[] = [];
  if (expect.state !== undefined) {
    const text = await readIfExists(join(shared, 'state.yml'));
    if (text === undefined) failures.push('state.yml: missing');
    else failures.push(...matchSubset(expect.state, parse(text) ?? {}).map((f) => `state.yml: ${f}`));
  }
  for (const [path, wanted] of Object.entries(expect.files)) {
    const text = await readIfExists(join(shared, path));
    if (text === undefined) failures.push(`${path}: missing`);
    else if (typeof wanted === 'string') {
      if (text !== wanted) failures.push(`${path}: content differs:\n--- expected\n${wanted}\n--- actual\n${text}`);
    } else {
      const problems = isPlainObject(wanted) || Array.isArray(wanted) ? matchSubset(wanted, parse(text)) : [];
      failures.push(...problems.map((f) => `${path}: ${f}`));
    }
  }
  for (const path of expect.absent) {
    if ((await readIfExists(join(shared, path))) !== undefined) failures.push(`${path}: exists, expected absent`);
  }
  for (const s of expect.stdout)
    if (!final.stdout.includes(s)) failures.push(`stdout does not contain ${JSON.stringify(s)}`);
  for (const s of expect.stderr)
    if (!final.stderr.includes(s)) failures.push(`stderr does not contain ${JSON.stringify(s)}`);
  return failures;
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function tail(stderr: string): string {
  const last = stderr.trim().split('\n').slice(-3).join('\n  ');
  return last === '' ? '' : `:\n  ${last}`;
}
