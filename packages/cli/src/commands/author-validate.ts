import {
  type ConformanceCheck,
  chooseMockedState,
  createDockerRuntime,
  findModuleSource,
  loadRepository,
  looksLikeImage,
  type ModuleSource,
  moduleForImage,
  parseModuleSpec,
  type Repository,
  RuntimeError,
  readModuleSource,
  targetVersions,
  type ValidationReport,
  validateModule,
} from '@e/core';
import type { GlobalOptions } from '../cli.js';
import { emit, terminalText } from '../output.js';
import { colorsFor } from '../progress.js';
import { chosenPlatform, interruptSignal, timeoutOption } from './author-shared.js';

export interface AuthorValidateOptions extends GlobalOptions {
  /** A module name or an image reference. */
  target: string;
  version?: string;
  state?: string;
  moduleDir?: string;
  pull: 'always' | 'missing' | 'never';
  timeout: string;
}

/** e module validate MODULE|IMAGE: the conformance report of each version; exit 1 if any check fails. */
export async function authorValidate(options: AuthorValidateOptions): Promise<void> {
  const timeoutMs = timeoutOption(options.timeout);
  const repository = await loadRepository(options.repository);
  const named = whatToValidate(repository, options.target);
  if (options.version !== undefined && named.version !== undefined && named.version !== options.version) {
    throw new RuntimeError('E_USAGE', `${options.target} and --version ${options.version} name different versions.`);
  }
  const { module, image } = named;
  const version = options.version ?? named.version;
  const targets = targetVersions({ repository, module, version, image });
  const source: ModuleSource | undefined =
    options.moduleDir !== undefined
      ? await readModuleSource(options.moduleDir)
      : await findModuleSource(module, repository.source);
  const runtime = await createDockerRuntime();
  const platform = await chosenPlatform(runtime, options);
  const c = colorsFor(process.stdout);
  const interrupt = interruptSignal();
  const reports: ValidationReport[] = [];
  try {
    for (const target of targets) {
      const mocked = await chooseMockedState({ source, version: target.entry.version, stateFile: options.state });
      const report = await validateModule(runtime, {
        repository,
        target,
        mocked,
        platform,
        pull: options.pull,
        timeoutMs,
        signal: interrupt.signal,
      });
      reports.push(report);
      // details quote what the module printed (exit messages, metadata differences)
      if (options.output === 'text') process.stdout.write(terminalText(process.stdout, renderReport(report, c)));
    }
  } finally {
    interrupt.dispose();
  }
  const ok = reports.every((r) => r.ok);
  if (options.output !== 'text') emit(options.output, { ok, reports }, () => '');
  if (!ok) process.exitCode = 1;
}

/** `kafka`, `kafka@0.2.0`, or an image: listed ones validate their entry, others stand in for their module's. */
function whatToValidate(repository: Repository, target: string): { module: string; version?: string; image?: string } {
  if (!looksLikeImage(target)) return parseModuleSpec(target);
  const found = moduleForImage(repository, target);
  return { module: found.module, version: found.version, image: found.listed ? undefined : target };
}

function renderReport(report: ValidationReport, c: ReturnType<typeof colorsFor>): string {
  const label = `${report.module} ${report.version}`;
  const lines = [
    `${c.bold(label)} on ${report.platform}: ${report.image}`,
    `  mocked state: ${report.mockedState}`,
    ...report.checks.flatMap((check) => checkLines(check, c)),
  ];
  const failed = report.checks.filter((check) => check.status !== 'pass').length;
  lines.push(
    report.ok
      ? c.green(`${label} conforms: ${report.checks.length} checks passed.`)
      : c.red(`${label} does not conform: ${failed} of ${report.checks.length} checks failed or could not run.`),
  );
  return `${lines.join('\n')}\n`;
}

function checkLines(check: ConformanceCheck, c: ReturnType<typeof colorsFor>): string[] {
  const mark = check.status === 'pass' ? c.green('PASS') : check.status === 'fail' ? c.red('FAIL') : c.yellow('SKIP');
  if (check.status === 'pass') {
    return [`  ${mark}  ${check.name}${check.details.length > 0 ? c.dim(` (${check.details.join('; ')})`) : ''}`];
  }
  return [`  ${mark}  ${check.name}`, ...check.details.map((d) => `        ${d}`)];
}
