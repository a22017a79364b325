import { resolve } from 'node:path';
import {
  cleanLeftoverContainers,
  createDockerRuntime,
  describeContainer,
  findForeignContainers,
  type LabelledContainer,
  RuntimeError,
} from '@e/core/runtime';
import { describeHolder, unlockState, withStateLock } from '@e/core/state';
import type { GlobalOptions } from '../cli.js';
import { emit, terminalText } from '../output.js';

export interface StateUnlockOptions extends GlobalOptions {
  force: boolean;
  /** --state or E_STATE_URL: unlock that backend's environment instead of the directory's lock. */
  stateUrl?: string;
}

interface ContainerReport {
  removed: LabelledContainer[];
  /** This shared directory's containers from other hosts, left alone (only without --force). */
  foreign: LabelledContainer[];
  /** Why the engine could not be asked; the lock step still happened. */
  error?: string;
}

/**
 * `e state unlock [--force]`: removes a lock whose holder is gone (or any, with --force). Then, as
 * a lock broken by force may leave a run going on another host: with --force it removes this
 * shared directory's containers from other hosts (and the leftovers of this one); without, it
 * lists them.
 */
export async function stateUnlock(options: StateUnlockOptions): Promise<void> {
  if (options.stateUrl !== undefined) return unlockBackend(options, options.stateUrl);
  const shared = resolve(options.shared);
  const { removed, liveness } = await unlockState(shared, { force: options.force });
  const containers = await settleContainers(shared, options.force);
  const data = {
    unlocked: removed !== undefined,
    holder: removed ?? null,
    liveness: liveness ?? null,
    containers,
  };
  emit(options.output, data, () => {
    const lines: string[] = [];
    if (removed === undefined) lines.push('The state is not locked.');
    else {
      const why =
        liveness === 'dead'
          ? 'it was no longer running'
          : liveness === 'alive'
            ? 'forced: it is still running'
            : 'forced: it may still be running elsewhere';
      lines.push(`Removed the state lock held by ${describeHolder(removed)} (${why}).`);
    }
    if (containers.removed.length > 0) {
      lines.push(`Removed ${count(containers.removed, 'container')} of e runs on ${shared}:`);
      lines.push(...containers.removed.map((c) => `  ${describeContainer(c)}`));
    }
    if (containers.foreign.length > 0) {
      lines.push(
        `${count(containers.foreign, 'container')} of ${shared} started from another host, where e cannot tell whether the run is still going:`,
      );
      lines.push(...containers.foreign.map((c) => `  ${describeContainer(c)}`));
      lines.push(
        'Make sure no e command uses this shared directory there, then remove them with e state unlock --force.',
      );
    }
    return lines.join('\n');
  });
  if (containers.error !== undefined) {
    process.stderr.write(`e: ${terminalText(process.stderr, containers.error)}\n`);
    if (options.force) process.exitCode = 1;
  }
}

/**
 * With --force, under the lock (nobody may start a run meanwhile), removes the leftovers and the
 * other hosts' containers of `shared`; without, only looks for the latter. An engine that does not
 * answer is reported, not thrown: the lock is what this command is mainly for.
 */
async function settleContainers(shared: string, force: boolean): Promise<ContainerReport> {
  try {
    const runtime = await createDockerRuntime();
    if (!force) return { removed: [], foreign: await findForeignContainers(runtime, shared) };
    return await withStateLock(shared, { command: 'e state unlock --force', recoverInterrupted: false }, () =>
      cleanLeftoverContainers(runtime, { shared, force: true }),
    );
  } catch (error) {
    if (!(error instanceof RuntimeError)) throw error;
    const what = force ? 'remove' : 'look for';
    return { removed: [], foreign: [], error: `Could not ${what} the containers of ${shared}: ${error.message}` };
  }
}

/**
 * With --state: a lock whose session is gone leaves at most a holder row, which goes; a held one is
 * reported with its holder, and --force ends the holder's session (PostgreSQL then releases it).
 */
async function unlockBackend(options: StateUnlockOptions, url: string): Promise<void> {
  const { openStateBackend } = await import('../state-backend.js');
  const backend = await openStateBackend(url, options.env);
  const { removed, terminated } = await backend.unlock({ force: options.force });
  emit(
    options.output,
    { unlocked: removed !== undefined, holder: removed ?? null, terminated, state: backend.label },
    () =>
      removed === undefined
        ? `The state of ${backend.label} is not locked.`
        : `Ended database session ${removed.backendPid} of ${describeHolder(removed)} (user ${removed.user}), which held the state lock of ${backend.label}.`,
  );
}

function count(items: readonly unknown[], noun: string): string {
  return `${items.length} ${noun}${items.length === 1 ? '' : 's'}`;
}
