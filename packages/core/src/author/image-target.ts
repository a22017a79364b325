import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { CaseRunner, RunnerResult } from '@e/module-sdk';
import { RuntimeError } from '../errors.js';
import { defaultVersion, findComponent, findVersion, sortedVersions } from '../repository/find-module.js';
import { type ModuleVersion, REQUIRED_COMMANDS, type Repository } from '../repository/model.js';
import type { ContainerRuntime } from '../runtime/container-runtime.js';
import { ensureImage, type PullPolicy, type ResolvedImage } from '../runtime/ensure-image.js';
import { runLabels } from '../runtime/labels.js';
import { formatPlatform, type Platform } from '../runtime/platform.js';
import { runAccess } from '../runtime/run-access.js';
import { findCommand } from '../runtime/select-version.js';

/** One module version to test: the repository entry (commands, workdir, envs), maybe with another image. */
export interface TargetVersion {
  module: string;
  entry: ModuleVersion;
  /** False when the module is not in the repository: steps then run their command name as it is. */
  listed: boolean;
}

export interface TargetQuery {
  repository: Repository;
  module: string;
  /** `--version V`; else every listed version (or, with `image`, the default one). */
  version?: string;
  /** `--image REF`: an image that is not (yet) in the repository. */
  image?: string;
  /** The version to assume for an image of a module the repository does not list. */
  fallbackVersion?: string;
}

/**
 * The versions `e module test|validate` run. With an image, the repository entry of the version
 * (asked for, else the default one) lends its commands, and the image replaces its own; a module
 * the repository does not list runs each case's command names as they are.
 */
export function targetVersions(query: TargetQuery): TargetVersion[] {
  const { repository, module, image } = query;
  const component = findComponent(repository, module);
  if (component === undefined) {
    if (image === undefined) {
      throw new RuntimeError('E_MODULE_UNKNOWN', `${repository.source} has no module named "${module}".`, {
        hint: 'Add its entry to the repository (e module new prints one), or test an image with --image REF.',
      });
    }
    const version = query.version ?? query.fallbackVersion ?? '0.0.0';
    return [{ module, entry: unlistedEntry(version, image), listed: false }];
  }
  let versions: ModuleVersion[];
  if (query.version !== undefined) {
    const found = findVersion(component, query.version);
    if (found === undefined) {
      if (image === undefined) {
        const listed = sortedVersions(component)
          .map((v) => v.version)
          .join(', ');
        throw new RuntimeError(
          'E_VERSION_UNKNOWN',
          `${repository.source} has no version ${query.version} of ${module}.`,
          {
            hint: `Versions there: ${listed}. An image not listed yet: e module test --image REF, or e module validate REF.`,
          },
        );
      }
      const base = defaultVersion(component);
      versions = base === undefined ? [] : [{ ...base, version: query.version, latest: false }];
    } else versions = [found];
  } else {
    versions =
      image === undefined ? [...component.versions] : [defaultVersion(component)].filter((v) => v !== undefined);
  }
  return versions.map((entry) => ({
    module,
    entry: image === undefined ? entry : { ...entry, image, images: undefined, architectures: undefined },
    listed: true,
  }));
}

function unlistedEntry(version: string, image: string): ModuleVersion {
  return {
    version,
    latest: false,
    image,
    workdir: '/shared',
    mounts: ['/shared'],
    labels: {},
    requires: { strong: [], weak: [] },
    influences: [],
    requirements: { images: [], files: [], packages: [] },
    commands: REQUIRED_COMMANDS.map((name) => ({ name, command: name, envs: {}, args: [] })),
  };
}

export interface PreparedTarget extends TargetVersion {
  image: ResolvedImage;
  platform: Platform;
}

/** Makes the target's image for `platform` available (the runtime's checks and pull). */
export async function prepareTarget(
  runtime: ContainerRuntime,
  target: TargetVersion,
  options: { platform: Platform; pull: PullPolicy },
): Promise<PreparedTarget> {
  const image = await ensureImage(runtime, {
    module: target.module,
    version: target.entry,
    platform: options.platform,
    policy: options.pull,
  });
  return { ...target, image, platform: options.platform };
}

export interface ImageRunnerOptions {
  /** Absolute host path bound at /shared. */
  shared: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * A test-case runner that runs a step as the module contract says (docs/module-contract.md): the repository
 * command and args, its envs plus the step's, the E_* variables, and `shared` at /shared. The
 * container is the runtime's; nothing else (no lock, no records) is involved.
 */
export function imageCaseRunner(
  runtime: ContainerRuntime,
  target: PreparedTarget,
  options: ImageRunnerOptions,
): CaseRunner {
  const { module, entry } = target;
  const platform = formatPlatform(target.platform);
  return async (step) => {
    const command = target.listed
      ? findCommand(module, entry, step.command)
      : (entry.commands.find((c) => c.name === step.command) ?? {
          name: step.command,
          command: step.command,
          envs: {},
          args: [],
        });
    const chunks = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
    const outcome = await runtime.run({
      image: target.image.runRef,
      cmd: [command.command, ...command.args, ...step.args],
      workingDir: entry.workdir,
      env: {
        ...command.envs,
        ...step.env,
        E_MODULE: module,
        E_VERSION: entry.version,
        E_COMMAND: command.name,
        E_SHARED: '/shared',
        E_STATE: '/shared/state.yml',
        E_PLATFORM: platform,
      },
      mounts: [{ source: options.shared, target: '/shared', readOnly: false }],
      access: runAccess(entry),
      labels: runLabels({
        module,
        version: entry.version,
        command: command.name,
        shared: options.shared,
        pid: process.pid,
        host: hostname(),
        startedAt: new Date(),
        runId: randomUUID(),
      }),
      platform: target.platform,
      timeoutMs: options.timeoutMs,
      signal: options.signal,
      onOutput: (stream, chunk) => {
        chunks[stream].push(chunk);
      },
    });
    const result: RunnerResult = {
      exitCode: outcome.exitCode ?? 1,
      stdout: Buffer.concat(chunks.stdout).toString('utf8'),
      stderr: Buffer.concat(chunks.stderr).toString('utf8'),
    };
    if (outcome.ended === 'timed-out') {
      throw new RuntimeError(
        'E_RUN_TIMEOUT',
        `${module} ${command.name} did not finish in time, so e killed its container.`,
      );
    }
    if (outcome.ended === 'aborted')
      throw new RuntimeError('E_RUN_INTERRUPTED', `${module} ${command.name} was interrupted.`, { exitCode: 130 });
    return result;
  };
}

/**
 * The module (and version) an image reference belongs to: the repository version that names
 * exactly this image, else the module named like the image's last path segment
 * (`localhost:5000/modules/kafka:0.3.0` → kafka), with the tag as version when it is listed.
 */
export function moduleForImage(
  repository: Repository,
  ref: string,
): { module: string; version?: string; listed: boolean } {
  for (const component of repository.components) {
    for (const version of component.versions) {
      const refs = [version.image, ...Object.values(version.images ?? {})];
      if (refs.includes(ref)) return { module: component.name, version: version.version, listed: true };
    }
  }
  const noDigest = ref.split('@')[0] ?? ref;
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  const path = colon > slash ? noDigest.slice(0, colon) : noDigest;
  const tag = colon > slash ? noDigest.slice(colon + 1) : undefined;
  const module = path.slice(path.lastIndexOf('/') + 1);
  const component = findComponent(repository, module);
  const version =
    component !== undefined && tag !== undefined && findVersion(component, tag) !== undefined ? tag : undefined;
  return { module, version, listed: false };
}

/** Whether a command-line argument names an image (`reg/x`, `x:tag`) rather than a module (`kafka`, `kafka@0.2.0`). */
export function looksLikeImage(arg: string): boolean {
  return /[/:]/.test(arg);
}
