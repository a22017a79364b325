import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { EError, RuntimeError } from '../errors.js';
import type { Repository } from '../repository/model.js';
import { influencedInstalledModules } from '../resolve/influences.js';
import { getInstalled, type InstalledRecord, readInstalled, setInstalled } from '../state/installed-records.js';
import type { HistoryOutcome } from '../state/state-history.js';
import { beginStateRun, recoverInterruptedRun, type StateRunResult } from '../state/state-run.js';
import { type LoadedState, loadState, readStateText, reloadState, saveState } from '../state/state-store.js';
import { withStateLock } from '../state/with-state-lock.js';
import {
  type ContainerRuntime,
  failedBeforeStart,
  type OutputStream,
  type PullProgress,
  type RunOutcome,
} from './container-runtime.js';
import { ensureImage, type PullPolicy, type ResolvedImage } from './ensure-image.js';
import { runLabels } from './labels.js';
import { OutputTail } from './line-prefixer.js';
import { type SavedPlan, sha256OrNull, stalePlanReasons } from './plan-file.js';
import { formatPlatform, type Platform } from './platform.js';
import { describeContainer, removeLeftoverContainers } from './remove-leftovers.js';
import { runAccess } from './run-access.js';
import { allowedSections, findCommand, type SelectedVersion, selectVersion } from './select-version.js';

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
}

export interface ModuleRunEvents {
  /** One-line notices: lock waits and recoveries, leftovers removed, the version chosen. */
  notice?(message: string): void;
  pullStart?(ref: string, platform: string): void;
  pullProgress?(event: PullProgress): void;
  pullEnd?(ref: string): void;
  /** `running` while the container runs (an abort then stops it), `settling` while e checks the state after. */
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
  historySeq: number;
  changedSections: string[];
  /** Unified diff of state.yml made by the module ('' when unchanged). */
  diff: string;
  /** sha256 of state.yml and of the module's config after the run (and e's record update). */
  stateSha256: string | null;
  configSha256: string | null;
  /** The last lines of stderr (else stdout), for messages. */
  outputTail: string;
}

/**
 * Runs one command of one module version in its container, guarded: under the state lock, with a
 * snapshot of state.yml that is restored when the module breaks the rules, a history record, and
 * e's installed record updated. A run that ends on its own returns its exit code whatever it is;
 * a timeout, an interruption or a broken rule throws (after the state is put right).
 */
export async function runModuleCommand(
  runtime: ContainerRuntime,
  request: ModuleRunRequest,
  events: ModuleRunEvents,
): Promise<ModuleRunResult> {
  const { shared, module } = request;
  if (!isAbsolute(shared)) throw new Error(`runModuleCommand needs an absolute shared path, got ${shared}`);
  const platformPromise = request.platform ? Promise.resolve(request.platform) : runtime.enginePlatform();
  platformPromise.catch(() => undefined);
  const notice = (message: string) => events.notice?.(message);

  return withStateLock(
    shared,
    { command: request.by, timeoutMs: request.lockTimeoutMs, onNotice: notice, recoverInterrupted: false },
    async () => {
      // a container left by a killed e may still write the state: remove it before settling that run
      for (const container of await removeLeftoverContainers(runtime, shared)) {
        notice(`Removed the container of an earlier run that was left behind: ${describeContainer(container)}.`);
      }
      const recovered = await recoverInterruptedRun(shared);
      if (recovered !== undefined) notice(recovered);

      const loaded = await loadState(shared);
      const installed = readInstalled(loaded);
      const selected = selectVersion(request.repository, module, {
        requested: request.version,
        installed: installed[module],
      });
      const { version } = selected;
      const command = findCommand(module, version, request.command);
      const platform = await platformPromise;
      const image = await ensureImage(runtime, {
        module,
        version,
        platform,
        policy: request.pull ?? 'missing',
        recordedDigest: installed[module]?.digest,
        events,
      });
      const configFile = join(shared, `${module}-config.yml`);
      if (request.plan) {
        const reasons = stalePlanReasons(request.plan, {
          platform: formatPlatform(platform),
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

      const args = [...command.args, ...(request.extraArgs ?? [])];
      const platformText = formatPlatform(platform);
      const run = await beginStateRun(
        shared,
        {
          module,
          version: version.version,
          command: command.name,
          args,
          digest: image.digest,
          platform: platformText,
          allowedSections: allowedSections(version, installed, module),
          by: request.by,
        },
        loaded,
      );
      const tails = { stdout: new OutputTail(), stderr: new OutputTail() };
      const started = Date.now();
      let outcome: RunOutcome;
      events.phase?.('running');
      try {
        outcome = await runtime.run({
          image: image.runRef,
          cmd: [command.command, ...args],
          workingDir: version.workdir,
          env: {
            ...command.envs,
            E_MODULE: module,
            E_VERSION: version.version,
            E_COMMAND: command.name,
            E_SHARED: '/shared',
            E_STATE: '/shared/state.yml',
            E_PLATFORM: platformText,
          },
          mounts: [{ source: shared, target: '/shared', readOnly: false }],
          access: runAccess(version),
          labels: runLabels({
            module,
            version: version.version,
            command: command.name,
            shared,
            pid: process.pid,
            host: hostname(),
            startedAt: new Date(started),
            runId: randomUUID(),
          }),
          platform,
          timeoutMs: request.timeoutMs,
          signal: request.signal,
          onOutput: (stream, chunk) => {
            tails[stream].push(chunk);
            return events.output(stream, chunk);
          },
        });
      } catch (error) {
        events.phase?.('settling');
        if (failedBeforeStart(error)) {
          await run.cancel();
          throw error;
        }
        const settled = await run.finish({ exitCode: null, outcome: 'failed', message: (error as Error).message });
        throw settled.error ?? error;
      }
      events.phase?.('settling');
      const durationMs = Date.now() - started;
      const label = `${module} ${command.name}`;
      if (outcome.ended !== 'exited') {
        const timedOut = outcome.ended === 'timed-out';
        const why = timedOut
          ? `${label} did not finish within ${formatMs(request.timeoutMs ?? 0)}, so e killed and removed its container`
          : `${label} was interrupted, so e stopped and removed its container`;
        const settled = await run.finish({
          exitCode: null,
          outcome: timedOut ? 'timed-out' : 'interrupted',
          message: why,
        });
        throw runError(timedOut ? 'E_RUN_TIMEOUT' : 'E_RUN_INTERRUPTED', why, settled, timedOut ? 1 : 130);
      }
      const exitCode = outcome.exitCode ?? 1;
      const settled = await run.finish({ exitCode, outcome: runOutcome(command.name, exitCode) });
      if (settled.restored) throw runError('E_STATE_RULES', `${label} broke the state rules`, settled, 1);

      await updateInstalledRecord({ loaded, selected, command: command.name, exitCode, image, platform: platformText });
      return {
        module,
        version: version.version,
        command: command.name,
        args,
        platform: platformText,
        image,
        why: selected.why,
        exitCode,
        durationMs,
        historySeq: settled.entry.seq,
        changedSections: settled.changedSections,
        diff: settled.diff,
        stateSha256: sha256OrNull(await readStateText(shared)),
        configSha256: sha256OrNull(await readOptional(configFile)),
        outputTail: tails.stderr.text() || tails.stdout.text(),
      };
    },
  );
}

/** plan's 2 (changes) and audit's 3 (drift) are answers, not failures. */
function runOutcome(command: string, exitCode: number): Exclude<HistoryOutcome, 'restored' | 'rolled-back'> {
  if (exitCode === 0 || (command === 'plan' && exitCode === 2) || (command === 'audit' && exitCode === 3))
    return 'succeeded';
  return 'failed';
}

/** The error for a run that did not end well, saying whether state.yml had to be restored. */
function runError(code: string, why: string, settled: StateRunResult, exitCode: number): EError {
  const state = settled.restored
    ? `; state.yml was restored as it was before the run because ${settled.problems.join('; ')}`
    : settled.changedSections.length > 0
      ? `; its changes to ${settled.changedSections.join(', ')} were kept, as they obey the state rules`
      : '; state.yml is unchanged';
  return new EError(code, `${why}${state}.`, {
    exitCode,
    hint: `e state history ${settled.entry.seq} shows the run${settled.restored ? ' and what the module tried to write' : ''}.`,
  });
}

interface RecordUpdate {
  /** The state as loaded before the run (not edited since). */
  loaded: LoadedState;
  selected: SelectedVersion;
  command: string;
  exitCode: number;
  image: ResolvedImage;
  platform: string;
}

/**
 * Keeps e's installed record in step with what ran: init and apply install the module; every run
 * of an installed module refreshes version, digest and status; a plan clears "needs plan", and an
 * apply flags the modules it influences. Writes only when something changed.
 */
async function updateInstalledRecord(update: RecordUpdate): Promise<void> {
  const { selected, command, exitCode } = update;
  const module = selected.component.name;
  const loaded = await reloadState(update.loaded);
  const all = readInstalled(loaded);
  const previous = all[module];
  const ok = exitCode === 0 || (command === 'plan' && exitCode === 2) || (command === 'audit' && exitCode === 3);
  if (previous === undefined && !(ok && (command === 'init' || command === 'apply'))) return;
  const section = loaded.data[module];
  const reported =
    section && typeof section === 'object' && typeof (section as { status?: unknown }).status === 'string'
      ? ((section as { status: string }).status as string)
      : undefined;
  const fallback =
    !ok && command === 'apply'
      ? 'failed'
      : command === 'apply'
        ? 'applied'
        : command === 'init'
          ? 'initialized'
          : undefined;
  const status = reported ?? fallback ?? previous?.status ?? 'initialized';
  const needsPlan = ok && (command === 'plan' || command === 'apply') ? false : (previous?.needsPlan ?? false);
  const next = {
    version: selected.version.version,
    digest: update.image.digest,
    platform: update.platform,
    labels: { ...selected.version.labels },
    status,
    needsPlan,
  };
  let changed = !sameRecord(previous, next);
  if (changed) setInstalled(loaded, module, { ...next, installedAt: previous?.installedAt });
  if (command === 'apply' && ok) {
    for (const name of influencedInstalledModules({ module, moduleVersion: selected.version }, all)) {
      const record = getInstalled(loaded, name);
      if (record === undefined || record.needsPlan) continue;
      setInstalled(loaded, name, { ...record, needsPlan: true });
      changed = true;
    }
  }
  if (changed) await saveState(loaded);
}

function sameRecord(
  previous: InstalledRecord | undefined,
  next: Omit<InstalledRecord, 'installedAt' | 'updatedAt'>,
): boolean {
  if (previous === undefined) return false;
  const { installedAt: _i, updatedAt: _u, ...rest } = previous;
  return isDeepStrictEqual({ ...rest, digest: rest.digest, platform: rest.platform }, { ...next });
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
