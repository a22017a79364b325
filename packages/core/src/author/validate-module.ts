import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CaseRunner, prepareShared, type RunnerResult, type TestCase } from '@e/module-sdk';
import { isEError } from '../errors.js';
import { REQUIRED_COMMANDS, type Repository } from '../repository/model.js';
import type { ContainerRuntime } from '../runtime/container-runtime.js';
import type { PullPolicy } from '../runtime/ensure-image.js';
import { formatPlatform, type Platform } from '../runtime/platform.js';
import { checkStateChange } from '../state/check-state-change.js';
import { parseStateText } from '../state/state-file.js';
import { compareMetadata } from './compare-metadata.js';
import { imageCaseRunner, type PreparedTarget, prepareTarget, type TargetVersion } from './image-target.js';
import { repositorySections } from './repository-sections.js';
import { checkSharedWrites, snapshotShared } from './shared-writes.js';

export type CheckStatus = 'pass' | 'fail' | 'skip';

export interface ConformanceCheck {
  name: string;
  status: CheckStatus;
  /** Why it failed or was skipped, or what passed (one line each). */
  details: string[];
}

/** The mocked platform the lifecycle runs on. */
export interface MockedState {
  /** For the report: the case file, the --state file, or "empty shared directory". */
  source: string;
  /** The conformance case whose `given` is written (state and files)... */
  testCase?: TestCase;
  /** ...or the text of a state file. */
  stateText?: string;
}

export interface ValidateOptions {
  repository: Repository;
  target: TargetVersion;
  mocked: MockedState;
  platform: Platform;
  pull: PullPolicy;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface ValidationReport {
  module: string;
  version: string;
  image: string;
  digest?: string;
  platform: string;
  mockedState: string;
  /** The sections the module may change besides its own (requires and influences, by the repository). */
  allowedSections: string[];
  checks: ConformanceCheck[];
  ok: boolean;
}

/** The lifecycle of the design's "Check required methods implementation", with the exit code each step must give. */
const LIFECYCLE = [
  { name: 'init exits 0', command: 'init', exitCode: 0 },
  { name: 'plan after init exits 2 (changes)', command: 'plan', exitCode: 2 },
  { name: 'apply exits 0', command: 'apply', exitCode: 0 },
  { name: 'plan after apply exits 0 (idempotent)', command: 'plan', exitCode: 0 },
  { name: 'audit exits 0 (clean)', command: 'audit', exitCode: 0 },
] as const;

/**
 * The conformance suite for one module version and image: the required commands are listed,
 * `metadata` equals the repository entry, init → plan (2) → apply → plan (0) → audit (0) holds on
 * the mocked state, the module keeps `status` in its section, and it writes only where e would
 * merge from: its own and allowed sections, `<module>-config.yml` and `<module>/`. Each check
 * passes, fails or is skipped (when an earlier step failed).
 */
export async function validateModule(runtime: ContainerRuntime, options: ValidateOptions): Promise<ValidationReport> {
  const { target, repository } = options;
  const { module, entry } = target;
  const checks: ConformanceCheck[] = [];
  const report: ValidationReport = {
    module,
    version: entry.version,
    image: entry.image ?? Object.values(entry.images ?? {}).join(', '),
    platform: formatPlatform(options.platform),
    mockedState: options.mocked.source,
    allowedSections: [],
    checks,
    ok: false,
  };

  const listed = entry.commands.map((c) => c.name);
  const missing = REQUIRED_COMMANDS.filter((name) => !listed.includes(name));
  checks.push({
    name: 'required commands are listed',
    status: missing.length === 0 ? 'pass' : 'fail',
    details:
      missing.length === 0 ? [REQUIRED_COMMANDS.join(', ')] : [`the repository entry lacks ${missing.join(', ')}`],
  });

  let prepared: PreparedTarget;
  try {
    prepared = await prepareTarget(runtime, target, { platform: options.platform, pull: options.pull });
  } catch (error) {
    if (!isEError(error) || error.code.startsWith('E_ENGINE')) throw error;
    checks.push({ name: 'image is available for the platform', status: 'fail', details: [error.message] });
    return finish(report);
  }
  report.image = prepared.image.ref;
  report.digest = prepared.image.digest;

  const work = await mkdtemp(join(tmpdir(), `e-module-validate-${module}-`));
  try {
    checks.push(await metadataCheck(runtime, prepared, join(work, 'metadata'), options));
    if (missing.length > 0) {
      for (const step of LIFECYCLE)
        checks.push({ name: step.name, status: 'skip', details: ['a required command is not listed'] });
      return finish(report);
    }
    const shared = join(work, 'lifecycle');
    await writeMocked(options.mocked, shared);
    const initial = parseStateText((await readOptional(join(shared, 'state.yml'))) ?? '');
    report.allowedSections = repositorySections(repository, module, entry, initial.ok ? initial.data : {});
    const run = imageCaseRunner(runtime, prepared, { shared, timeoutMs: options.timeoutMs, signal: options.signal });
    checks.push(...(await lifecycleChecks(run, shared, module, report.allowedSections)));
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return finish(report);
}

function finish(report: ValidationReport): ValidationReport {
  report.ok = report.checks.every((c) => c.status === 'pass');
  return report;
}

async function metadataCheck(
  runtime: ContainerRuntime,
  target: PreparedTarget,
  shared: string,
  options: Pick<ValidateOptions, 'timeoutMs' | 'signal'>,
): Promise<ConformanceCheck> {
  const name = 'metadata equals the repository entry';
  if (!target.entry.commands.some((c) => c.name === 'metadata'))
    return { name, status: 'skip', details: ['no metadata command is listed'] };
  await prepareShared(emptyCase(), shared);
  const result = await imageCaseRunner(runtime, target, { shared, ...options })({
    command: 'metadata',
    args: [],
    env: {},
  });
  if (result.exitCode !== 0)
    return { name, status: 'fail', details: [`metadata exited ${result.exitCode}${tail(result)}`] };
  if (!target.listed)
    return {
      name,
      status: 'fail',
      details: [`the repository does not list ${target.module}, so there is no entry to compare with`],
    };
  const comparison = compareMetadata(result.stdout, target.entry);
  return comparison.equal
    ? { name, status: 'pass', details: [] }
    : { name, status: 'fail', details: comparison.differences };
}

async function lifecycleChecks(
  run: CaseRunner,
  shared: string,
  module: string,
  allowed: string[],
): Promise<ConformanceCheck[]> {
  const checks: ConformanceCheck[] = [];
  const sectionProblems: string[] = [];
  const changed = new Set<string>();
  const fileProblems: string[] = [];
  const written = new Set<string>();
  const statusProblems: string[] = [];
  let configWritten = false;
  let failed: string | undefined;
  for (const step of LIFECYCLE) {
    if (failed !== undefined) {
      checks.push({ name: step.name, status: 'skip', details: [`not run: ${failed} failed`] });
      continue;
    }
    const before = (await readOptional(join(shared, 'state.yml'))) ?? '';
    const filesBefore = await snapshotShared(shared);
    const result = await run({ command: step.command, args: [], env: {} });
    const after = await readOptional(join(shared, 'state.yml'));
    const change = checkStateChange({ before, after, module, allowedSections: allowed });
    sectionProblems.push(...change.problems.map((p) => `${step.command}: ${p}`));
    for (const section of change.changedSections) changed.add(section);
    const files = checkSharedWrites({ module, before: filesBefore, after: await snapshotShared(shared) });
    fileProblems.push(...files.problems.map((p) => `${step.command}: ${p}`));
    for (const path of files.written) written.add(path);
    if (result.exitCode !== step.exitCode) {
      checks.push({
        name: step.name,
        status: 'fail',
        details: [`${step.command} exited ${result.exitCode}${tail(result)}`],
      });
      failed = step.command;
      continue;
    }
    checks.push({ name: step.name, status: 'pass', details: [] });
    if (step.command === 'init') {
      configWritten = (await readOptional(join(shared, `${module}-config.yml`))) !== undefined;
      const status = sectionStatus(after, module);
      if (status !== 'initialized' && status !== 'applied')
        statusProblems.push(`after init ${module}.status is ${show(status)}, expected initialized`);
    }
    if (step.command === 'apply') {
      const status = sectionStatus(after, module);
      if (status !== 'applied')
        statusProblems.push(`after apply ${module}.status is ${show(status)}, expected applied`);
    }
  }
  const ranInit = checks[0]?.status === 'pass';
  checks.push(
    ranInit
      ? {
          name: `init writes ${module}-config.yml`,
          status: configWritten ? 'pass' : 'fail',
          details: configWritten ? [] : ['init left no config file in the shared directory'],
        }
      : { name: `init writes ${module}-config.yml`, status: 'skip', details: ['not run: init failed'] },
  );
  checks.push({
    name: `state keeps ${module}.status`,
    status: statusProblems.length === 0 ? (failed === undefined ? 'pass' : 'skip') : 'fail',
    details:
      statusProblems.length > 0 ? statusProblems : failed === undefined ? [] : [`not all steps ran: ${failed} failed`],
  });
  checks.push({
    name: 'writes only its own and allowed sections',
    status: sectionProblems.length === 0 ? 'pass' : 'fail',
    details:
      sectionProblems.length > 0
        ? sectionProblems
        : [`changed: ${[...changed].join(', ') || 'nothing'}`, `allowed: ${[module, ...allowed].join(', ')}`],
  });
  checks.push({
    name: 'writes only its own files',
    status: fileProblems.length === 0 ? 'pass' : 'fail',
    details: fileProblems.length > 0 ? fileProblems : [`written: ${summarize(written) || 'nothing'}`],
  });
  return checks;
}

async function writeMocked(mocked: MockedState, shared: string): Promise<void> {
  await prepareShared(mocked.testCase ?? emptyCase(), shared);
  if (mocked.stateText !== undefined) await writeFile(join(shared, 'state.yml'), mocked.stateText);
}

function emptyCase(): TestCase {
  return {
    conformance: false,
    given: { files: {} },
    run: { command: 'metadata', args: [], env: {} },
    expect: { exitCode: 0, files: {}, absent: [], stdout: [], stderr: [] },
  };
}

function sectionStatus(stateText: string | undefined, module: string): unknown {
  if (stateText === undefined) return undefined;
  const parsed = parseStateText(stateText);
  if (!parsed.ok) return undefined;
  const section = parsed.data[module];
  return typeof section === 'object' && section !== null ? (section as { status?: unknown }).status : undefined;
}

/** `kafka-config.yml, 3 files under kafka/`: the paths written, by top-level entry. */
function summarize(paths: ReadonlySet<string>): string {
  const counts = new Map<string, number>();
  for (const path of paths) {
    const slash = path.indexOf('/');
    const top = slash === -1 ? path : `${path.slice(0, slash)}/`;
    counts.set(top, (counts.get(top) ?? 0) + 1);
  }
  return [...counts]
    .map(([top, n]) => (top.endsWith('/') ? `${n} file${n === 1 ? '' : 's'} under ${top}` : top))
    .join(', ');
}

function show(value: unknown): string {
  return value === undefined ? 'missing' : JSON.stringify(value);
}

function tail(result: RunnerResult): string {
  const text = (result.stderr.trim() || result.stdout.trim()).split('\n').slice(-3).join(' / ');
  return text === '' ? '' : `: ${text}`;
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
