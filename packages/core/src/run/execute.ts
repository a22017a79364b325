import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { OutputStream, RunOutcome } from '../runtime/container-runtime.js';
import { runLabels } from '../runtime/labels.js';
import { formatPlatform } from '../runtime/platform.js';
import { runAccess } from '../runtime/run-access.js';
import type { PreparedRun } from './prepare.js';
import { planFilePath } from './proposed-changes.js';
import type { RunSession } from './session.js';
import { INPUTS_DIR } from './stage.js';

/** Where the container sees the staging copy, and the variables every module run gets. */
export const CONTAINER_SHARED = '/shared';

export interface ExecuteOptions {
  runId: string;
  timeoutMs?: number;
  signal?: AbortSignal;
  onOutput(stream: OutputStream, chunk: Buffer): void | Promise<void>;
  /** Awaited right before the container starts (RunSpec.beforeStart). */
  beforeStart?: () => Promise<void>;
}

/**
 * Runs the prepared command in its container against the staging copy `stageDir`: the copy at
 * /shared (read-write), the live `.inputs/` at /shared/.inputs (read-only), the module's access
 * rights. The live shared directory itself is never mounted.
 */
export function executeStaged(
  session: RunSession,
  prepared: PreparedRun,
  stageDir: string,
  options: ExecuteOptions,
): Promise<RunOutcome> {
  const { module, selected, command, platform } = prepared;
  const version = selected.version;
  return session.runtime.run({
    image: prepared.image.runRef,
    cmd: [command.command, ...prepared.args],
    workingDir: version.workdir,
    env: {
      ...command.envs,
      E_MODULE: module,
      E_VERSION: version.version,
      E_COMMAND: command.name,
      E_SHARED: CONTAINER_SHARED,
      E_STATE: `${CONTAINER_SHARED}/state.yml`,
      E_INPUTS: `${CONTAINER_SHARED}/${INPUTS_DIR}`,
      E_PLATFORM: formatPlatform(platform),
      // a plan may write its proposed changes here (read by e, never merged: proposed-changes.ts)
      ...(command.name === 'plan' ? { E_PLAN_FILE: `${CONTAINER_SHARED}/${planFilePath(module)}` } : {}),
    },
    mounts: [
      { source: stageDir, target: CONTAINER_SHARED, readOnly: false },
      { source: join(session.shared, INPUTS_DIR), target: `${CONTAINER_SHARED}/${INPUTS_DIR}`, readOnly: true },
    ],
    access: runAccess(version),
    labels: runLabels({
      module,
      version: version.version,
      command: command.name,
      shared: session.shared,
      pid: process.pid,
      host: hostname(),
      startedAt: new Date(),
      runId: options.runId,
    }),
    platform,
    timeoutMs: options.timeoutMs,
    signal: options.signal,
    onOutput: options.onOutput,
    beforeStart: options.beforeStart,
    // the caller merges while the engine removes the container, and awaits `removed`
    deferRemoval: true,
  });
}

/** Sortable by start time, unique across processes and hosts. */
export function newRunId(): string {
  return `${Date.now().toString(36).padStart(9, '0')}-${randomUUID().slice(0, 8)}`;
}
