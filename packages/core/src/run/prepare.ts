import type { ModuleCommand, Repository } from '../repository/model.js';
import type { ContainerRuntime, PullProgress } from '../runtime/container-runtime.js';
import { ensureImage, newerUnderTag, type PullPolicy, type ResolvedImage } from '../runtime/ensure-image.js';
import { formatPlatform, type Platform } from '../runtime/platform.js';
import { findCommand, type SelectedVersion, selectVersion } from '../runtime/select-version.js';
import type { InstalledRecord } from '../state/installed-records.js';

export interface PrepareRequest {
  repository: Repository;
  module: string;
  /** A version asked for (`kafka@0.2.0`); else the installed, latest or highest one runs. */
  version?: string;
  /** The repository command name: init, plan, apply, audit, or an optional one. */
  command: string;
  /** Appended to the repository's args (`e module run kafka backup -- --full`). */
  extraArgs?: readonly string[];
  /** Overrides the engine's platform (--platform, E_PLATFORM). */
  platform?: Platform;
  pull?: PullPolicy;
  /** Ctrl-C: stops a pull in progress. */
  signal?: AbortSignal;
}

export interface PrepareEvents {
  pullStart?(ref: string, platform: string): void;
  pullProgress?(event: PullProgress): void;
  pullEnd?(ref: string): void;
}

/** Everything decided before the lock is taken: which version, which command, which image (pulled). */
export interface PreparedRun {
  module: string;
  selected: SelectedVersion;
  command: ModuleCommand;
  args: string[];
  platform: Platform;
  image: ResolvedImage;
  /** The digest the tag names now, when a re-pushed tag differs from the recorded digest that runs. */
  newerDigest?: string;
}

/**
 * Chooses the version and command and makes the image available, by digest: an installed version
 * on its recorded platform runs its recorded digest (a re-pushed tag does not change what runs),
 * anything else resolves the tag once. Runs before the lock, so a slow pull holds nobody up.
 */
export async function prepareRun(
  runtime: ContainerRuntime,
  request: PrepareRequest,
  installed: Readonly<Record<string, InstalledRecord>>,
  events: PrepareEvents = {},
): Promise<PreparedRun> {
  const { module } = request;
  const selected = selectVersion(request.repository, module, {
    requested: request.version,
    installed: installed[module],
  });
  const command = findCommand(module, selected.version, request.command);
  const platform = request.platform ?? (await runtime.enginePlatform());
  const record = installed[module];
  const recordedDigest =
    record !== undefined && record.version === selected.version.version && record.platform === formatPlatform(platform)
      ? record.digest
      : undefined;
  const policy = request.pull ?? 'missing';
  const image = await ensureImage(runtime, {
    module,
    version: selected.version,
    platform,
    policy,
    recordedDigest,
    signal: request.signal,
    events,
  });
  const newerDigest =
    recordedDigest !== undefined && image.digest === recordedDigest && command.name === 'apply'
      ? await newerUnderTag(runtime, image, platform)
      : undefined;
  return {
    module,
    selected,
    command,
    args: [...command.args, ...(request.extraArgs ?? [])],
    platform,
    image,
    newerDigest,
  };
}
