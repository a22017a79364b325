import { mkdir, readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { EError, RuntimeError } from '../errors.js';
import type { Repository } from '../repository/model.js';
import {
  type ContainerRuntime,
  failedBeforeStart,
  type OutputStream,
  type PullProgress,
  type RunOutcome,
} from '../runtime/container-runtime.js';
import type { PullPolicy, ResolvedImage } from '../runtime/ensure-image.js';
import { OutputTail } from '../runtime/line-prefixer.js';
import { type SavedPlan, sha256OrNull, stalePlanReasons } from '../runtime/plan-file.js';
import { formatPlatform, type Platform } from '../runtime/platform.js';
import { allowedSections, type SelectedVersion } from '../runtime/select-version.js';
import { readInstalled } from '../state/installed-records.js';
import { stateDiff } from '../state/state-diff.js';
import { loadState, readStateText } from '../state/state-store.js';
import { executeStaged, newRunId } from './execute.js';
import { decideMerge } from './merge.js';
import { type PreparedRun, prepareRun } from './prepare.js';
import { type SectionChanges, takeProposedChanges } from './proposed-changes.js';
import { type RunEnd, type SettledRun, settleRun } from './record.js';
import { type RunMarker, removeRun, stagingDir, writeBaseline, writeMarker } from './run-dir.js';
import { type RunSession, withRunSession } from './session.js';
import { type Stage, stageSharedDir } from './stage.js';

export interface ModuleRunRequest {
  repository: Repository;
  /** Absolute path of the shared directory. */
  shared: string;
  module: string;
  /** A version asked for (`kafka@0.2.0`); else the installed, latest or highest one runs. */
  version?: string;
  /** The repository command name: init, plan, apply, audit, or an optional one. */
  command: string;
  /** Appended to the repository's args (`e module run kafka backup -- --full`). */
  extraArgs?: readonly string[];
  /** Overrides the engine's platform (--platform, E_PLATFORM). */
  platform?: Platform;
  timeoutMs?: number;
  lockTimeoutMs?: number;
  pull?: PullPolicy;
  signal?: AbortSignal;
  /** The e command line, recorded in the lock and the history. */
  by: string;
  /** `e apply --plan FILE`: refuse unless the saved plan still holds. */
  plan?: SavedPlan;
  /** A plan run because a module this one is influenced by was applied: proposed changes keep "needs plan". */
  influencedPlan?: boolean;
  /**
   * Run in a staging copy and merge nothing, record nothing (e apply's plan before it asks): the
   * result says what the run proposed and what it would have changed.
   */
  dryRun?: boolean;
}

export interface ModuleRunEvents {
  /** One-line notices: lock waits and recoveries, leftovers removed, a newer image under the tag. */
  notice?(message: string): void;
  pullStart?(ref: string, platform: string): void;
  pullProgress?(event: PullProgress): void;
  pullEnd?(ref: string): void;
  /** `running` while the container runs (an abort then stops it), `settling` while e merges after. */
  phase?(phase: 'running' | 'settling'): void;
  /** Container output as it arrives; a returned promise holds back further output. */
  output(stream: OutputStream, chunk: Buffer): void | Promise<void>;
}

export interface ModuleRunResult {
  module: string;
  version: string;
  command: string;
  args: string[];
  platform: string;
  image: ResolvedImage;
  why: SelectedVersion['why'];
  exitCode: number;
  durationMs: number;
  /** The history entry of the run (0 for a dry run, which is not recorded). */
  historySeq: number;
  changedSections: string[];
  /** Unified diff of what the module changed in state.yml ('' when nothing; e's record updates are in the history). */
  diff: string;
  /** sha256 of state.yml and of the module's config after the run (and e's record update). */
  stateSha256: string | null;
  configSha256: string | null;
  /** The last lines of stderr (else stdout), for messages. */
  outputTail: string;
  /** The digest the image's tag names now, when newer than the recorded one that ran. */
  newerDigest?: string;
  /** What a plan proposed in `E_PLAN_FILE`, by section (undefined when it wrote none). */
  proposed?: SectionChanges[];
}

/**
 * One module command, isolated: prepare (version, command, image by digest; before the lock),
 * then under the lock stage a private copy of the shared directory, run the container against it,
 * and merge back only what the module may write, with e's records and the history.
 */
export async function runModuleCommand(
  runtime: ContainerRuntime,
  request: ModuleRunRequest,
  events: ModuleRunEvents,
): Promise<ModuleRunResult> {
  const { shared } = request;
  if (!isAbsolute(shared)) throw new Error(`runModuleCommand needs an absolute shared path, got ${shared}`);
  // a malformed state or e: section is refused here, before anything is pulled or started
  const prepared = await prepareRun(runtime, request, readInstalled(await loadState(shared)), events);
  throwIfAborted(request.signal);
  return withRunSession(
    runtime,
    { shared, by: request.by, lockTimeoutMs: request.lockTimeoutMs, notice: events.notice },
    (session) => runPrepared(session, prepared, request, events),
  );
}

/** Runs a prepared command inside a session (its lock held): stage, execute, merge, record. */
export async function runPrepared(
  session: RunSession,
  prepared: PreparedRun,
  request: Omit<ModuleRunRequest, 'shared' | 'by' | 'lockTimeoutMs'>,
  events: ModuleRunEvents,
): Promise<ModuleRunResult> {
  const { shared } = session;
  const { module, selected, command, image } = prepared;
  const version = selected.version;
  const platformText = formatPlatform(prepared.platform);
  const runId = newRunId();
  const stageDir = stagingDir(shared, runId); // while the state is read
  const loaded = await loadState(shared);
  const installed = readInstalled(loaded);
  const configFile = join(shared, `${module}-config.yml`);
  if (request.plan) {
    const reasons = stalePlanReasons(request.plan, {
      platform: platformText,
      imageId: image.id,
      stateSha256: sha256OrNull(loaded.exists ? loaded.text : undefined),
      configSha256: sha256OrNull(await readOptional(configFile)),
      configFile: `${module}-config.yml`,
    });
    if (reasons.length > 0) {
      throw new RuntimeError('E_PLAN_STALE', `The saved plan for ${module} is stale: ${reasons.join('; ')}.`, {
        hint: `Run e plan ${module} --out FILE again, review it, then apply that plan.`,
      });
    }
  }
  await session.leftoversRemoved;
  if (prepared.newerDigest !== undefined) {
    session.notice(
      `${image.ref} now names ${prepared.newerDigest.split('@')[1]?.slice(0, 19)}…, not the recorded ${image.digest.split('@')[1]?.slice(0, 19)}… that runs; e module upgrade ${module} (or --pull always) moves to it.`,
    );
  }
  const marker: RunMarker = {
    id: runId,
    module,
    version: version.version,
    command: command.name,
    args: prepared.args,
    digest: image.digest,
    platform: platformText,
    labels: { ...version.labels },
    influences: version.influences,
    allowedSections: allowedSections(version, installed, module),
    influencedPlan: request.influencedPlan === true,
    by: session.by,
    pid: process.pid,
    host: hostname(),
    startedAt: new Date().toISOString(),
    stateBefore: loaded.exists ? loaded.text : null,
    phase: 'running',
    exitCode: null,
  };
  marker.stageDir = await stageDir;
  await writeMarker(shared, marker);
  let staging: Promise<Stage>;
  try {
    staging = (await startStaging(session, marker)).filled;
  } catch (error) {
    await removeRun(shared, marker);
    throw error;
  }
  const tails = { stdout: new OutputTail(), stderr: new OutputTail() };
  const started = Date.now();
  let outcome: RunOutcome;
  events.phase?.('running');
  try {
    outcome = await executeStaged(session, prepared, marker.stageDir, {
      runId: marker.id,
      timeoutMs: request.timeoutMs,
      signal: anySignal(request.signal, session.lost),
      onOutput: (stream, chunk) => {
        tails[stream].push(chunk);
        return events.output(stream, chunk);
      },
      // the engine creates the container while the copy is filled; it starts on the complete copy
      beforeStart: async () => {
        await staging;
      },
    });
  } catch (error) {
    events.phase?.('settling');
    if (failedBeforeStart(error)) {
      await staging.catch(() => undefined); // nothing writes the copy any more while it is removed
      await removeRun(shared, marker);
      throw error;
    }
    await session.exclusive(() =>
      settleRun(
        shared,
        marker,
        { ended: 'interrupted', message: `e lost the container: ${(error as Error).message}` },
        { notice: session.notice },
      ),
    );
    throw error;
  }
  events.phase?.('settling');
  try {
    // the engine removes the container meanwhile
    return await settleOutcome(session, prepared, request, { marker, stage: await staging, outcome, tails, started });
  } finally {
    await outcome.removed;
  }
}

/**
 * Stages the run's private copy: the directory exists when this resolves (a container can be
 * created on it), and `filled` resolves once the copy and its baseline are complete. The copy is
 * taken when no other run of the session merges (a batch's runs end while others stage), and the
 * run's state before is the state.yml copied: what the module changed is told against it.
 * Failures are E_STAGE.
 */
async function startStaging(session: RunSession, marker: RunMarker): Promise<{ filled: Promise<Stage> }> {
  const { shared } = session;
  const dir = marker.stageDir as string;
  const failed = (error: unknown) =>
    new RuntimeError('E_STAGE', `Cannot stage a copy of ${shared} for ${marker.module}: ${(error as Error).message}.`, {
      cause: error,
    });
  await mkdir(dir, { recursive: true }).catch((error: unknown) => {
    throw failed(error);
  });
  const filled = session
    .exclusive(async () => {
      const stage = await stageSharedDir(shared, dir);
      const staged = (await readStateText(dir)) ?? null;
      if (staged !== marker.stateBefore) {
        marker.stateBefore = staged;
        await writeMarker(shared, marker);
      }
      return stage;
    })
    .then(
      async (stage) => {
        await writeBaseline(shared, marker.id, stage);
        return stage;
      },
      (error: unknown) => {
        throw failed(error);
      },
    );
  filled.catch(() => undefined); // awaited before the container starts; never unhandled meanwhile
  return { filled };
}

interface EndedRun {
  marker: RunMarker;
  stage: Stage;
  outcome: RunOutcome;
  tails: Record<OutputStream, OutputTail>;
  started: number;
}

/** After the container ended: what a plan proposed, then the merge and records (or, dry, only what they would be). */
async function settleOutcome(
  session: RunSession,
  prepared: PreparedRun,
  request: Omit<ModuleRunRequest, 'shared' | 'by' | 'lockTimeoutMs'>,
  { marker, stage, outcome, tails, started }: EndedRun,
): Promise<ModuleRunResult> {
  const { shared } = session;
  const { module, selected, command, image } = prepared;
  const version = selected.version;
  const platformText = marker.platform;
  const configFile = join(shared, `${module}-config.yml`);
  const label = `${module} ${command.name}`;
  const durationMs = Date.now() - started;
  if (outcome.ended !== 'exited') {
    const timedOut = outcome.ended === 'timed-out';
    const why = timedOut
      ? `${label} did not finish within ${formatMs(request.timeoutMs ?? 0)}, so e killed and removed its container`
      : `${label} was interrupted, so e stopped and removed its container`;
    const end: RunEnd = { ended: timedOut ? 'timed-out' : 'interrupted', message: why };
    const settled = await session.exclusive(() => settleRun(shared, marker, end, { notice: session.notice }));
    throw runError(timedOut ? 'E_RUN_TIMEOUT' : 'E_RUN_INTERRUPTED', why, settled, timedOut ? 1 : 130);
  }
  const exitCode = outcome.exitCode ?? 1;
  const taken = command.name === 'plan' ? await takeProposedChanges(stage, module) : undefined;
  if (taken !== undefined && 'ignored' in taken)
    session.notice(`${module}'s proposed changes were ignored: ${taken.ignored}.`);
  const proposed = taken !== undefined && 'sections' in taken ? taken.sections : undefined;
  const common = {
    module,
    version: version.version,
    command: command.name,
    args: prepared.args,
    platform: platformText,
    image,
    why: selected.why,
    exitCode,
    durationMs,
    outputTail: tails.stderr.text() || tails.stdout.text(),
    newerDigest: prepared.newerDigest,
    proposed,
  };
  if (request.dryRun) {
    const decision = await decideMerge(stage, marker.stateBefore ?? '', {
      module,
      allowedSections: marker.allowedSections,
    });
    await removeRun(shared, marker);
    return {
      ...common,
      historySeq: 0,
      changedSections: decision.problems.length > 0 ? [] : decision.changedSections,
      diff: decision.problems.length > 0 ? '' : stateDiff(decision.stateBefore, decision.stateAfter),
      stateSha256: sha256OrNull(marker.stateBefore ?? undefined),
      configSha256: sha256OrNull(await readOptional(configFile)),
    };
  }
  // from here a later e rolls this run forward if this one dies: the module's work is done
  await writeMarker(shared, { ...marker, phase: 'exited', exitCode });
  const settled = await session.exclusive(() =>
    settleRun(shared, marker, { ended: 'exited', exitCode }, { stage, notice: session.notice }),
  );
  if (settled.error) throw settled.error;
  return {
    ...common,
    historySeq: settled.entry.seq,
    changedSections: settled.changedSections,
    diff: settled.moduleDiff,
    stateSha256: sha256OrNull(settled.stateText),
    configSha256: sha256OrNull(await readOptional(configFile)),
  };
}

/** The error for a run e had to stop: nothing it wrote was merged. */
function runError(code: string, why: string, settled: SettledRun, exitCode: number): EError {
  return new EError(code, `${why}; nothing it wrote was merged, so the shared directory is unchanged.`, {
    exitCode,
    hint: `e state history ${settled.entry.seq} shows the run.`,
  });
}

function anySignal(...signals: (AbortSignal | undefined)[]): AbortSignal | undefined {
  const present = signals.filter((signal): signal is AbortSignal => signal !== undefined);
  return present.length <= 1 ? present[0] : AbortSignal.any(present);
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new RuntimeError('E_RUN_INTERRUPTED', 'e was interrupted before the module ran; nothing changed.', {
      exitCode: 130,
    });
  }
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new RuntimeError('E_READ', `Cannot read ${path}: ${(error as Error).message}.`);
  }
}

function formatMs(ms: number): string {
  if (ms % 60_000 === 0 && ms >= 60_000) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
