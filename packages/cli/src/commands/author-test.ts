import { stat } from 'node:fs/promises';
import {
  type CaseResult,
  createDockerRuntime,
  formatPlatform,
  isEError,
  loadRepository,
  parseRepository,
  type Repository,
  RuntimeError,
  readModuleSource,
  testModule,
} from '@e/core';
import type { GlobalOptions } from '../cli.js';
import { emit, terminalText } from '../output.js';
import { colorsFor } from '../progress.js';
import { chosenPlatform, interruptSignal, seconds, timeoutOption } from './author-shared.js';

export interface AuthorTestOptions extends GlobalOptions {
  dir: string;
  version?: string;
  image?: string;
  pull: 'always' | 'missing' | 'never';
  timeout: string;
}

const OUTPUT_LINES = 12;

/** e module test DIR: one line per case as it ends (text), the whole report (json|yaml); exit 1 if any fails. */
export async function authorTest(options: AuthorTestOptions): Promise<void> {
  const timeoutMs = timeoutOption(options.timeout);
  const source = await readModuleSource(options.dir);
  if (source.cases.length === 0) {
    throw new RuntimeError('E_NO_CASES', `${options.dir} has no test cases in tests/*.yml.`, {
      hint: 'Add one as docs/module-tests.md describes.',
    });
  }
  const repository = await repositoryFor(options);
  const runtime = await createDockerRuntime();
  const platform = await chosenPlatform(runtime, options);
  const text = options.output === 'text';
  const c = colorsFor(process.stdout);
  const interrupt = interruptSignal();
  let report: Awaited<ReturnType<typeof testModule>>;
  try {
    report = await testModule(runtime, {
      repository,
      source,
      version: options.version,
      image: options.image,
      platform,
      pull: options.pull,
      timeoutMs,
      signal: interrupt.signal,
      onVersion: (info) => {
        if (text)
          process.stdout.write(
            terminalText(
              process.stdout,
              `${c.bold(`${source.name} ${info.version}`)}: ${info.image} (${formatPlatform(platform)})\n`,
            ),
          );
      },
      onCase: (result) => {
        // a failed case quotes the module's output
        if (text) process.stdout.write(terminalText(process.stdout, caseLines(result, c)));
      },
    });
  } finally {
    interrupt.dispose();
  }
  if (report.versions.length === 0) {
    throw new RuntimeError('E_NO_CASES', `No case of ${options.dir} applies to the version(s) tested.`, {
      hint: 'Check the versions: lists of the cases, or pass --version.',
    });
  }
  emit(options.output, report, () => {
    const summary = `${report.module}: ${report.passed} passed, ${report.failed} failed on ${report.platform}`;
    return report.failed === 0 ? c.green(summary) : c.red(summary);
  });
  if (report.failed > 0) process.exitCode = 1;
}

/**
 * The repository file; with --image, a missing file stands for an empty repository (a module
 * project on its own: each step runs its command name as it is).
 */
async function repositoryFor(options: AuthorTestOptions): Promise<Repository> {
  try {
    return await loadRepository(options.repository);
  } catch (error) {
    const missing = await stat(options.repository).then(
      () => false,
      () => true,
    );
    if (options.image === undefined || !isEError(error) || error.code !== 'E_REPOSITORY_READ' || !missing) throw error;
    return parseRepository('version: v1\nkind: Repository\ncomponents: []\n', options.repository).value as Repository;
  }
}

function caseLines(result: CaseResult, c: ReturnType<typeof colorsFor>): string {
  const head = `  ${result.passed ? c.green('PASS') : c.red('FAIL')}  ${result.case} ${c.dim(seconds(result.durationMs))}\n`;
  if (result.passed) return head;
  const failures = result.failures.map((f) => `        ${f.replaceAll('\n', '\n        ')}\n`).join('');
  const output = (result.output ?? '').trimEnd().split('\n').filter(Boolean).slice(-OUTPUT_LINES);
  const shown =
    output.length > 0
      ? `        ${c.dim('output (last lines):')}\n${output.map((l) => `        ${c.dim(`| ${l}`)}\n`).join('')}`
      : '';
  return head + failures + shown;
}
