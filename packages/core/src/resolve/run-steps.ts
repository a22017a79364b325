import { compareMetadata } from '../author/compare-metadata.js';
import { EError, ResolutionError } from '../errors.js';
import type { Repository } from '../repository/model.js';
import type { ContainerRuntime, OutputStream, PullProgress } from '../runtime/container-runtime.js';
import type { PullPolicy } from '../runtime/ensure-image.js';
import type { Platform } from '../runtime/platform.js';
import { type ModuleRunResult, runModuleCommand } from '../runtime/run-module.js';
import { getInstalled, type InstalledRecord, readInstalled, setInstalled } from '../state/installed-records.js';
import { loadState, saveState } from '../state/state-store.js';
import { withStateLock } from '../state/with-state-lock.js';
import { influencedInstalledModules } from './influences.js';
import type { InstallStep } from './resolution.js';

/** The commands an install runs per module, in order (metadata is checked, not applied). */
export const INSTALL_COMMANDS = ['metadata', 'init', 'plan', 'apply'] as const;
export type InstallCommand = (typeof INSTALL_COMMANDS)[number];

export interface RunContext {
  runtime: ContainerRuntime;
  repository: Repository;
  /** Absolute path of the shared directory. */
  shared: string;
  platform?: Platform;
  pull?: PullPolicy;
  timeoutMs?: number;
  lockTimeoutMs?: number;
  signal?: AbortSignal;
  /** The e command line, for the lock and the history. */
  by: string;
}

export interface StepEvents {
  /** A step starts or ends (runSteps only); `skipped` steps were never started. */
  stepStart?(step: InstallStep): void;
  stepEnd?(step: InstallStep, outcome: StepOutcome): void;
  stepSkipped?(step: InstallStep): void;
  /** A module command starts (`kafka init`). */
  command?(module: string, command: string): void;
  notice?(message: string): void;
  pullStart?(ref: string, platform: string): void;
  pullProgress?(event: PullProgress): void;
  pullEnd?(ref: string): void;
  phase?(phase: 'running' | 'settling'): void;
  output(module: string, stream: OutputStream, chunk: Buffer): void | Promise<void>;
  /** A module's plan after one it is influenced by was applied: exit 2 means changes are proposed. */
  influencedPlan?(by: string, result: ModuleRunResult, stdout: string): void;
}

export interface StepOutcome {
  module: string;
  version: string;
  ok: boolean;
  /** The command that failed, and why. */
  failedAt?: string;
  error?: EError;
  /** Installed modules planned because this one influences them. */
  influenced: { module: string; exitCode: number; output: string; error?: string }[];
}

export interface RunStepsResult {
  ok: boolean;
  outcomes: StepOutcome[];
  /** Steps not started because an earlier one failed. */
  skipped: string[];
}

/**
 * Runs the resolved steps: per module, pull and check its metadata against the repository, then
 * init → plan → apply through the guarded runtime; after each apply, the installed modules it
 * influences are planned (never applied). Steps of one chunk run up to `parallel` at a time
 * (their container runs still take turns on the state lock). The first failure marks that module
 * `failed` in e's records and stops the install; steps already applied stay as they are.
 */
export async function runSteps(
  context: RunContext,
  plan: { steps: readonly InstallStep[]; chunks: readonly (readonly string[])[]; parallel?: number },
  events: StepEvents,
): Promise<RunStepsResult> {
  const byName = new Map(plan.steps.map((s) => [s.module, s]));
  const outcomes: StepOutcome[] = [];
  const parallel = Math.max(1, plan.parallel ?? 1);
  const skipped: string[] = [];
  let failed = false;
  for (const chunk of plan.chunks) {
    if (failed) {
      for (const name of chunk) {
        skipped.push(name);
        events.stepSkipped?.(byName.get(name)!);
      }
      continue;
    }
    const queue = [...chunk];
    const worker = async () => {
      for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
        const step = byName.get(name)!;
        if (failed) {
          skipped.push(name);
          events.stepSkipped?.(step);
          continue;
        }
        events.stepStart?.(step);
        const outcome = await installStep(context, step, events);
        events.stepEnd?.(step, outcome);
        outcomes.push(outcome);
        if (!outcome.ok) failed = true;
      }
    };
    await Promise.all(Array.from({ length: Math.min(parallel, queue.length) }, worker));
  }
  return { ok: !failed, outcomes, skipped };
}

export interface UpgradeOptions {
  /** The record before the upgrade: put back when the upgrade stops before init. */
  previous: InstalledRecord;
  /** Go on when the new version's audit finds drift (exit 3). */
  force: boolean;
}

/**
 * One module: metadata check, init, plan, apply; then plans of the modules it influences. For an
 * upgrade, the new version's audit runs after the metadata check and stops on drift unless forced.
 */
export async function installStep(
  context: RunContext,
  step: InstallStep,
  events: StepEvents,
  upgrade?: UpgradeOptions,
): Promise<StepOutcome> {
  const outcome: StepOutcome = { module: step.module, version: step.version, ok: false, influenced: [] };
  let last: ModuleRunResult | undefined;
  const commands: readonly string[] = upgrade ? ['metadata', 'audit', 'init', 'plan', 'apply'] : INSTALL_COMMANDS;
  for (const command of commands) {
    const stdout: Buffer[] = [];
    const capture: StepEvents =
      command === 'metadata'
        ? {
            ...events,
            output: (module, stream, chunk) => {
              if (stream === 'stdout') stdout.push(chunk);
              return events.output(module, stream, chunk);
            },
          }
        : events;
    try {
      last = await runCommand(context, step.module, step.version, command, capture);
    } catch (error) {
      return fail(context, step, outcome, command, error, last, upgrade);
    }
    const problem = commandProblem(step, command, last, Buffer.concat(stdout).toString('utf8'), upgrade);
    if (problem !== undefined) return fail(context, step, outcome, command, problem, last, upgrade);
  }
  outcome.ok = true;
  outcome.influenced = await planInfluenced(context, step, events);
  return outcome;
}

/** Runs one command of one module version through the guarded runtime. */
export function runCommand(
  context: RunContext,
  module: string,
  version: string,
  command: string,
  events: StepEvents,
): Promise<ModuleRunResult> {
  events.command?.(module, command);
  return runModuleCommand(
    context.runtime,
    {
      repository: context.repository,
      shared: context.shared,
      module,
      version,
      command,
      platform: context.platform,
      pull: context.pull,
      timeoutMs: context.timeoutMs,
      lockTimeoutMs: context.lockTimeoutMs,
      signal: context.signal,
      by: context.by,
    },
    {
      notice: events.notice,
      pullStart: events.pullStart,
      pullProgress: events.pullProgress,
      pullEnd: events.pullEnd,
      phase: events.phase,
      output: (stream, chunk) => events.output(module, stream, chunk),
    },
  );
}

/** Why a finished command stops the install, if it does. */
function commandProblem(
  step: InstallStep,
  command: string,
  result: ModuleRunResult,
  stdout: string,
  upgrade: UpgradeOptions | undefined,
): EError | undefined {
  const label = `${step.module} ${step.version} ${command}`;
  if (command === 'audit') {
    if (result.exitCode === 0 || (result.exitCode === 3 && upgrade?.force)) return undefined;
    if (result.exitCode === 3) {
      return new ResolutionError(
        'E_UPGRADE_DRIFT',
        `${label} found drift: the real world no longer matches the state, so the upgrade stopped.`,
        {
          exitCode: 3,
          hint: `The audit output is above; reconcile it (e plan/apply ${step.module}), or pass --force to upgrade anyway.`,
        },
      );
    }
    return failure(label, result);
  }
  if (command === 'metadata') {
    if (result.exitCode !== 0) return failure(label, result);
    const comparison = compareMetadata(stdout, step.moduleVersion);
    if (comparison.equal) return undefined;
    return new ResolutionError(
      'E_METADATA_MISMATCH',
      `${step.module} ${step.version}: the image's metadata differs from its repository entry: ${comparison.differences.join('; ')}.`,
      { hint: 'Fix the repository entry or rebuild the image so they agree; nothing was installed.' },
    );
  }
  if (command === 'plan' ? result.exitCode === 0 || result.exitCode === 2 : result.exitCode === 0) return undefined;
  return failure(label, result);
}

function failure(label: string, result: ModuleRunResult): EError {
  return new ResolutionError('E_STEP_FAILED', `${label} failed with exit code ${result.exitCode}.`, {
    hint: `Its output is above; e state history ${result.historySeq} shows the run.`,
  });
}

/** Marks the module failed in e's records (keeping what the runtime recorded) and returns the outcome. */
async function fail(
  context: RunContext,
  step: InstallStep,
  outcome: StepOutcome,
  command: string,
  error: unknown,
  last: ModuleRunResult | undefined,
  upgrade?: UpgradeOptions,
): Promise<StepOutcome> {
  outcome.failedAt = command;
  outcome.error =
    error instanceof EError
      ? error
      : new ResolutionError('E_STEP_FAILED', `${step.module} ${command} failed: ${(error as Error).message}.`, {
          cause: error,
        });
  try {
    // before init nothing of the new version ran: the installed version stays as it was
    if (upgrade && (command === 'metadata' || command === 'audit'))
      await restoreRecord(context, step.module, upgrade.previous);
    else await markFailed(context, step, last);
  } catch (markError) {
    const original = outcome.error;
    const also = `; e could not mark it failed in its records either: ${(markError as Error).message}`;
    outcome.error = new ResolutionError(original.code, `${original.message.replace(/\.$/, '')}${also}.`, {
      hint: original.hint,
      cause: original,
    });
  }
  return outcome;
}

async function markFailed(context: RunContext, step: InstallStep, last: ModuleRunResult | undefined): Promise<void> {
  await withStateLock(context.shared, { command: context.by, timeoutMs: context.lockTimeoutMs ?? 30_000 }, async () => {
    const state = await loadState(context.shared);
    const previous = getInstalled(state, step.module);
    const record: Omit<InstalledRecord, 'installedAt' | 'updatedAt'> = {
      version: step.version,
      digest: last?.image.digest ?? previous?.digest,
      platform: last?.platform ?? previous?.platform,
      labels: { ...step.moduleVersion.labels },
      status: 'failed',
      needsPlan: previous?.needsPlan ?? false,
    };
    setInstalled(state, step.module, { ...record, installedAt: previous?.installedAt });
    await saveState(state);
  });
}

/**
 * After `module` was applied the runtime flagged the modules it influences; plan each of them so
 * the proposed changes are seen. A plan with changes keeps the flag: the change is not applied.
 */
export async function planInfluenced(
  context: RunContext,
  step: Pick<InstallStep, 'module' | 'moduleVersion'>,
  events: StepEvents,
): Promise<StepOutcome['influenced']> {
  const installed = readInstalled(await loadState(context.shared));
  const influenced = influencedInstalledModules(step, installed);
  const out: StepOutcome['influenced'] = [];
  const module = step.module;
  for (const name of influenced) {
    const record = installed[name]!;
    const stdout: Buffer[] = [];
    const capture: StepEvents = {
      ...events,
      output: (m, stream, chunk) => {
        if (stream === 'stdout') stdout.push(chunk);
        return events.output(m, stream, chunk);
      },
    };
    try {
      const result = await runCommand(context, name, record.version, 'plan', capture);
      const output = Buffer.concat(stdout).toString('utf8');
      events.influencedPlan?.(module, result, output);
      out.push({ module: name, exitCode: result.exitCode, output });
      if (result.exitCode !== 0) await setNeedsPlan(context, name, true);
    } catch (error) {
      out.push({
        module: name,
        exitCode: 1,
        output: Buffer.concat(stdout).toString('utf8'),
        error: (error as Error).message,
      });
      await setNeedsPlan(context, name, true).catch(() => undefined);
    }
  }
  return out;
}

async function setNeedsPlan(context: RunContext, module: string, needsPlan: boolean): Promise<void> {
  await withStateLock(context.shared, { command: context.by, timeoutMs: context.lockTimeoutMs ?? 30_000 }, async () => {
    const state = await loadState(context.shared);
    const record = getInstalled(state, module);
    if (record === undefined || record.needsPlan === needsPlan) return;
    setInstalled(state, module, { ...record, needsPlan });
    await saveState(state);
  });
}

/** Puts an installed record back as it was (e.g. after a version's audit rewrote it and the upgrade stopped). */
export async function restoreRecord(context: RunContext, module: string, record: InstalledRecord): Promise<void> {
  await withStateLock(context.shared, { command: context.by, timeoutMs: context.lockTimeoutMs ?? 30_000 }, async () => {
    const state = await loadState(context.shared);
    setInstalled(state, module, { ...record });
    await saveState(state);
  });
}
