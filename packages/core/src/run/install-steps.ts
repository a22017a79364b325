import { compareMetadata } from '../author/compare-metadata.js';
import { EError, ResolutionError } from '../errors.js';
import type { Repository } from '../repository/model.js';
import { influencedInstalledModules } from '../resolve/influences.js';
import type { InstallStep } from '../resolve/resolution.js';
import { sequence } from '../resolve/sequence.js';
import type { ContainerRuntime, OutputStream, PullProgress } from '../runtime/container-runtime.js';
import type { PullPolicy } from '../runtime/ensure-image.js';
import type { Platform } from '../runtime/platform.js';
import { matchesRequirement } from '../selector/match.js';
import { type InstalledRecord, readInstalled } from '../state/installed-records.js';
import { loadState } from '../state/state-store.js';
import { prepareRun } from './prepare.js';
import { type ModuleRunResult, runPrepared } from './run-module.js';
import { type RunSession, withRunSession } from './session.js';

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
  /**
   * Asked after a module's plan, before its apply (the plan's output was shown): false stops the
   * install there (nothing of that module is applied). Without it, every module is applied.
   */
  confirmApply?(step: InstallStep, plan: ModuleRunResult): Promise<boolean>;
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
 * Runs the resolved steps under one hold of the state lock: per module, pull and check its metadata
 * against the repository, then init → plan → apply; after each apply, the installed modules it
 * influences are planned (never applied). Steps of one chunk run up to `parallel` at a time when
 * the sections and files they may write are disjoint (see `writableNames`), else one after the
 * other. The first failure stops the install; steps already applied stay as they are.
 */
export async function runSteps(
  context: RunContext,
  plan: { steps: readonly InstallStep[]; chunks: readonly (readonly string[])[]; parallel?: number },
  events: StepEvents,
): Promise<RunStepsResult> {
  const byName = new Map(plan.steps.map((s) => [s.module, s]));
  // pull every image before the lock is taken: nobody waits on a slow pull
  const installed = readInstalled(await loadState(context.shared));
  for (const step of plan.steps) {
    await prepareRun(
      context.runtime,
      prepareRequest(context, step.module, step.version, 'metadata'),
      installed,
      events,
    );
  }
  return withSession(context, events, async (session) => {
    const outcomes: StepOutcome[] = [];
    const skipped: string[] = [];
    let failed = false;
    for (const chunk of plan.chunks) {
      const steps = chunk.map((name) => byName.get(name)!);
      if (failed) {
        for (const step of steps) {
          skipped.push(step.module);
          events.stepSkipped?.(step);
        }
        continue;
      }
      const current = readInstalled(await loadState(context.shared));
      const writes = new Map(steps.map((step) => [step.module, writableNames(step, current, steps)]));
      await schedule(steps, {
        parallel: Math.max(1, plan.parallel ?? 1),
        conflicts: (a, b) => intersects(writes.get(a.module)!, writes.get(b.module)!),
        stopped: () => failed,
        run: async (step) => {
          events.stepStart?.(step);
          const outcome = await installStepIn(session, context, step, events);
          events.stepEnd?.(step, outcome);
          outcomes.push(outcome);
          if (!outcome.ok) failed = true;
        },
        skip: (step) => {
          skipped.push(step.module);
          events.stepSkipped?.(step);
        },
      });
    }
    // in the order of the plan, whatever order parallel steps finished in
    const order = new Map(plan.steps.map((step, i) => [step.module, i]));
    outcomes.sort((a, b) => (order.get(a.module) ?? 0) - (order.get(b.module) ?? 0));
    return { ok: !failed, outcomes, skipped };
  });
}

/**
 * The names whose state sections (and so files) a step may write: its own, and those of the
 * installed modules and batch peers its requirements or influences match. Two steps may run at
 * the same time only when these sets are disjoint.
 */
export function writableNames(
  step: Pick<InstallStep, 'module' | 'moduleVersion'>,
  installed: Readonly<Record<string, Pick<InstalledRecord, 'labels'>>>,
  peers: readonly Pick<InstallStep, 'module' | 'moduleVersion'>[],
): Set<string> {
  const { requires, influences } = step.moduleVersion;
  const selectors = [...requires.strong, ...requires.weak, ...influences];
  const names = new Set([step.module]);
  const candidates: [string, Readonly<Record<string, unknown>>][] = [
    ...Object.entries(installed).map(([name, record]) => [name, record.labels] as [string, Record<string, unknown>]),
    ...peers.map((peer) => [peer.module, peer.moduleVersion.labels] as [string, Record<string, unknown>]),
  ];
  for (const [name, labels] of candidates) {
    if (selectors.some((req) => matchesRequirement(labels as InstalledRecord['labels'], req))) names.add(name);
  }
  return names;
}

function intersects(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  for (const name of a) if (b.has(name)) return true;
  return false;
}

/**
 * Runs `items` with at most `parallel` at once, in order, never starting one that conflicts with
 * one running (it waits for its turn); once `stopped()` holds, the rest are skipped.
 */
export async function schedule<T>(
  items: readonly T[],
  options: {
    parallel: number;
    conflicts(a: T, b: T): boolean;
    stopped(): boolean;
    run(item: T): Promise<void>;
    skip(item: T): void;
  },
): Promise<void> {
  const waiting = [...items];
  const running = new Map<T, Promise<void>>();
  while (waiting.length > 0 || running.size > 0) {
    if (options.stopped()) {
      for (const item of waiting.splice(0)) options.skip(item);
    }
    const index =
      running.size >= options.parallel
        ? -1
        : waiting.findIndex((item) => [...running.keys()].every((other) => !options.conflicts(item, other)));
    if (index >= 0) {
      const [item] = waiting.splice(index, 1) as [T];
      running.set(
        item,
        options.run(item).finally(() => running.delete(item)),
      );
      continue;
    }
    if (running.size === 0) break;
    await Promise.race(running.values());
  }
}

export interface UpgradeOptions {
  /** Go on when the new version's audit finds drift (exit 3). */
  force: boolean;
}

/**
 * One module, under its own hold of the lock: metadata check, init, plan, apply; then plans of
 * the modules it influences. For an upgrade, the new version's audit runs after the metadata check
 * and stops on drift unless forced (nothing of the new version is recorded before its init).
 */
export async function installStep(
  context: RunContext,
  step: InstallStep,
  events: StepEvents,
  upgrade?: UpgradeOptions,
): Promise<StepOutcome> {
  const installed = readInstalled(await loadState(context.shared));
  await prepareRun(context.runtime, prepareRequest(context, step.module, step.version, 'metadata'), installed, events);
  return withSession(context, events, (session) => installStepIn(session, context, step, events, upgrade));
}

async function installStepIn(
  session: RunSession,
  context: RunContext,
  step: InstallStep,
  events: StepEvents,
  upgrade?: UpgradeOptions,
): Promise<StepOutcome> {
  const outcome: StepOutcome = { module: step.module, version: step.version, ok: false, influenced: [] };
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
    let result: ModuleRunResult;
    try {
      result = await runCommandIn(session, context, step.module, step.version, command, capture);
    } catch (error) {
      return failed(step, outcome, command, error);
    }
    const problem = commandProblem(step, command, result, Buffer.concat(stdout).toString('utf8'), upgrade);
    if (problem !== undefined) return failed(step, outcome, command, problem);
    if (command === 'plan' && events.confirmApply !== undefined && !(await events.confirmApply(step, result))) {
      return failed(
        step,
        outcome,
        'apply',
        new ResolutionError('E_CANCELLED', `${step.module} ${step.version} was not applied: the answer was no.`, {
          hint: `It is initialized; e apply ${step.module} applies it later.`,
        }),
      );
    }
  }
  outcome.ok = true;
  outcome.influenced = await planInfluencedIn(session, context, step, events);
  return outcome;
}

/** Runs one command of one module version, isolated, under its own hold of the lock. */
export async function runCommand(
  context: RunContext,
  module: string,
  version: string,
  command: string,
  events: StepEvents,
): Promise<ModuleRunResult> {
  const installed = readInstalled(await loadState(context.shared));
  const prepared = await prepareRun(
    context.runtime,
    prepareRequest(context, module, version, command),
    installed,
    events,
  );
  return withSession(context, events, (session) =>
    runPrepared(session, prepared, prepareRequest(context, module, version, command), runEvents(module, events)),
  );
}

/** One command inside a session: prepared (the image is local by now), then run. */
async function runCommandIn(
  session: RunSession,
  context: RunContext,
  module: string,
  version: string,
  command: string,
  events: StepEvents,
  options: { influencedPlan?: boolean } = {},
): Promise<ModuleRunResult> {
  events.command?.(module, command);
  const request = { ...prepareRequest(context, module, version, command), influencedPlan: options.influencedPlan };
  const installed = readInstalled(await loadState(context.shared));
  const prepared = await prepareRun(context.runtime, request, installed, events);
  return runPrepared(session, prepared, request, runEvents(module, events));
}

function prepareRequest(context: RunContext, module: string, version: string, command: string) {
  return {
    repository: context.repository,
    module,
    version,
    command,
    platform: context.platform,
    pull: context.pull,
    timeoutMs: context.timeoutMs,
    signal: context.signal,
  };
}

function runEvents(module: string, events: StepEvents) {
  return {
    notice: events.notice,
    pullStart: events.pullStart,
    pullProgress: events.pullProgress,
    pullEnd: events.pullEnd,
    phase: events.phase,
    output: (stream: OutputStream, chunk: Buffer) => events.output(module, stream, chunk),
  };
}

function withSession<T>(context: RunContext, events: StepEvents, fn: (session: RunSession) => Promise<T>): Promise<T> {
  return withRunSession(
    context.runtime,
    { shared: context.shared, by: context.by, lockTimeoutMs: context.lockTimeoutMs, notice: events.notice },
    fn,
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

/** The outcome of a step that stopped at `command`. e's records already say what happened (record.ts). */
function failed(step: InstallStep, outcome: StepOutcome, command: string, error: unknown): StepOutcome {
  outcome.failedAt = command;
  outcome.error =
    error instanceof EError
      ? error
      : new ResolutionError('E_STEP_FAILED', `${step.module} ${command} failed: ${(error as Error).message}.`, {
          cause: error,
        });
  return outcome;
}

/**
 * After `module` was applied, its run flagged the modules it influences; plan each of them so the
 * proposed changes are seen. A plan with changes keeps the flag: the change is not applied.
 */
export async function planInfluenced(
  context: RunContext,
  step: Pick<InstallStep, 'module' | 'moduleVersion'>,
  events: StepEvents,
): Promise<StepOutcome['influenced']> {
  return withSession(context, events, (session) => planInfluencedIn(session, context, step, events));
}

async function planInfluencedIn(
  session: RunSession,
  context: RunContext,
  step: Pick<InstallStep, 'module' | 'moduleVersion'>,
  events: StepEvents,
): Promise<StepOutcome['influenced']> {
  const installed = readInstalled(await loadState(context.shared));
  const out: StepOutcome['influenced'] = [];
  for (const name of influencedInstalledModules(step, installed)) {
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
      const result = await runCommandIn(session, context, name, record.version, 'plan', capture, {
        influencedPlan: true,
      });
      const output = Buffer.concat(stdout).toString('utf8');
      events.influencedPlan?.(step.module, result, output);
      out.push({ module: name, exitCode: result.exitCode, output });
    } catch (error) {
      out.push({
        module: name,
        exitCode: 1,
        output: Buffer.concat(stdout).toString('utf8'),
        error: (error as Error).message,
      });
    }
  }
  return out;
}

export interface PlanAllOutcome {
  module: string;
  version: string;
  /** 0 no changes, 2 changes proposed, 1 the plan failed (see `error`). */
  exitCode: number;
  error?: EError;
}

/**
 * `e plan --all`: plans every installed module under one hold of the lock, up to `parallel` at a
 * time when the sections they may write are disjoint, modules after those they require.
 */
export async function planAll(
  context: RunContext,
  options: { parallel?: number },
  events: StepEvents,
): Promise<PlanAllOutcome[]> {
  const installed = readInstalled(await loadState(context.shared));
  const steps: Pick<InstallStep, 'module' | 'version' | 'moduleVersion'>[] = [];
  for (const [module, record] of Object.entries(installed).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const prepared = await prepareRun(
      context.runtime,
      prepareRequest(context, module, record.version, 'plan'),
      installed,
      events,
    );
    steps.push({ module, version: record.version, moduleVersion: prepared.selected.version });
  }
  const names = steps.map((s) => s.module);
  const order = sequence(names, (name) => {
    const step = steps.find((s) => s.module === name)!;
    const { strong, weak } = step.moduleVersion.requires;
    return names.filter(
      (other) =>
        other !== name && [...strong, ...weak].some((req) => matchesRequirement(installed[other]!.labels, req)),
    );
  });
  const ordered = [...order.chunks.flat(), ...order.cycles];
  const writes = new Map(steps.map((step) => [step.module, writableNames(step, installed, [])]));
  const position = new Map(ordered.map((name, i) => [name, i]));
  const outcomes: PlanAllOutcome[] = [];
  return withSession(context, events, async (session) => {
    await schedule(
      ordered.map((name) => steps.find((s) => s.module === name)!),
      {
        parallel: Math.max(1, options.parallel ?? 1),
        // a module never starts before one it requires, nor beside one whose sections it shares
        conflicts: (a, b) =>
          intersects(writes.get(a.module)!, writes.get(b.module)!) ||
          (position.get(b.module)! < position.get(a.module)! &&
            order.chunks.findIndex((c) => c.includes(b.module)) < order.chunks.findIndex((c) => c.includes(a.module))),
        stopped: () => false,
        run: async (step) => {
          try {
            const result = await runCommandIn(session, context, step.module, step.version, 'plan', events);
            outcomes.push({
              module: step.module,
              version: step.version,
              exitCode: result.exitCode === 0 || result.exitCode === 2 ? result.exitCode : 1,
              error:
                result.exitCode === 0 || result.exitCode === 2
                  ? undefined
                  : failure(`${step.module} ${step.version} plan`, result),
            });
          } catch (error) {
            outcomes.push({
              module: step.module,
              version: step.version,
              exitCode: 1,
              error: error instanceof EError ? error : new ResolutionError('E_STEP_FAILED', (error as Error).message),
            });
          }
        },
        skip: () => undefined,
      },
    );
    return outcomes.sort((a, b) => position.get(a.module)! - position.get(b.module)!);
  });
}
