import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ContainerRuntime } from '../runtime/container-runtime.js';
import { cleanLeftoverContainers, describeContainer } from '../runtime/remove-leftovers.js';
import { withStateLock } from '../state/with-state-lock.js';
import { listRunIds } from './run-dir.js';
import { INPUTS_DIR } from './stage.js';

/**
 * One e process's hold on a shared directory: the state lock, taken once for a single run or a
 * whole batch, and an in-process queue so merges into the live directory happen one at a time.
 */
export interface RunSession {
  readonly runtime: ContainerRuntime;
  /** Absolute path of the live shared directory. */
  readonly shared: string;
  /** The e command line, for the lock and the history. */
  readonly by: string;
  notice(message: string): void;
  /** With a state backend: aborted when its lock is lost; module runs then stop. */
  readonly lost?: AbortSignal;
  /** Runs `fn` when no other exclusive section of this session runs (merges, record writes). */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  /**
   * Resolves once the containers earlier e processes left behind are removed (asked of the engine
   * while the session's first run reads the state): await it before creating a container.
   */
  readonly leftoversRemoved: Promise<void>;
}

export interface RunSessionOptions {
  shared: string;
  by: string;
  lockTimeoutMs?: number;
  notice?: (message: string) => void;
}

/**
 * Takes the state lock, removes containers that earlier e processes left behind, finishes the
 * runs they left (rolled forward or dropped), then runs `fn` with the session; the lock is
 * released however `fn` ends. When no run was left, the leftover containers are removed while
 * `fn` starts (its runs await `leftoversRemoved` before creating a container).
 */
export async function withRunSession<T>(
  runtime: ContainerRuntime,
  options: RunSessionOptions,
  fn: (session: RunSession) => Promise<T>,
): Promise<T> {
  const notice = (message: string) => options.notice?.(message);
  return withStateLock(
    options.shared,
    { command: options.by, timeoutMs: options.lockTimeoutMs, onNotice: notice, recoverInterrupted: false },
    async (lock) => {
      const leftoversRemoved = cleanLeftoverContainers(runtime, { shared: options.shared }).then(
        ({ removed, foreign }) => {
          for (const container of removed) {
            notice(`Removed the container of an earlier run that was left behind: ${describeContainer(container)}.`);
          }
          for (const container of foreign) {
            notice(
              `Left alone a container of this shared directory started elsewhere: ${describeContainer(container)}; e state unlock --force removes it once that host's e is gone.`,
            );
          }
        },
      );
      leftoversRemoved.catch(() => undefined); // awaited below or by the run; never unhandled meanwhile
      // a container left by a killed e may still write its staging copy: remove it before settling its run
      if ((await listRunIds(options.shared)).length > 0) {
        await leftoversRemoved;
        const { recoverRuns } = await import('./recover.js');
        for (const message of await recoverRuns(options.shared)) notice(message);
      }
      await mkdir(join(options.shared, INPUTS_DIR), { recursive: true });
      let queue: Promise<unknown> = Promise.resolve();
      const session: RunSession = {
        runtime,
        shared: options.shared,
        by: options.by,
        notice,
        lost: lock.lost,
        exclusive<R>(section: () => Promise<R>): Promise<R> {
          const result = queue.then(section, section);
          queue = result.catch(() => undefined);
          return result;
        },
        leftoversRemoved,
      };
      let result: T;
      try {
        result = await fn(session);
      } catch (error) {
        // a run that failed early leaves no removal under way, nor a notice unsaid
        await leftoversRemoved.catch(() => undefined);
        throw error;
      }
      await leftoversRemoved;
      return result;
    },
  );
}
