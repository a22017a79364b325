import { hostname } from 'node:os';
import { holderLiveness } from '../state/state-lock.js';
import type { ContainerRuntime, LabelledContainer } from './container-runtime.js';
import { LABELS, MANAGED_BY_VALUE } from './labels.js';

export interface CleanLeftoversOptions {
  /** Absolute path of the shared directory whose state lock the caller holds. */
  shared: string;
  /** Also remove the shared directory's containers started from other hosts (e state unlock --force). */
  force?: boolean;
}

export interface LeftoverCleanup {
  /** The containers removed. */
  removed: LabelledContainer[];
  /**
   * Containers of this shared directory started from another host (or with unreadable labels):
   * their e process cannot be checked from here, so they are left alone unless `force` (then they
   * are in `removed` and this is empty).
   */
  foreign: LabelledContainer[];
}

/**
 * Removes containers of e runs that can no longer be anyone's, under the state lock of `shared`:
 *
 * - a container whose e process died on this host (any shared directory);
 * - a container of `shared` started by another process of this host, dead or alive: the lock is
 *   exclusive and the caller holds it, so no process of this host can legitimately be running a
 *   module on `shared` now (its removal failed, or its lock was broken with e state unlock --force),
 *   and it must not go on writing the directory the caller is about to use;
 * - never a container of the current process (its own runs, possibly in parallel);
 * - a container of `shared` started from another host only with `force`: whether its e process
 *   still runs cannot be checked from here (it is returned in `foreign` instead).
 */
export async function cleanLeftoverContainers(
  runtime: ContainerRuntime,
  options: CleanLeftoversOptions,
): Promise<LeftoverCleanup> {
  const sorted = sortContainers(await runtime.listContainers({ [LABELS.managedBy]: MANAGED_BY_VALUE }), options.shared);
  const removed = options.force ? [...sorted.leftovers, ...sorted.foreign] : sorted.leftovers;
  for (const container of removed) await runtime.removeContainer(container.id);
  // a remote run's named volumes (its read-only inputs) outlive a killed e: the same rule removes them
  if (runtime.remote && runtime.listVolumes !== undefined && runtime.removeVolume !== undefined) {
    const volumes = (await runtime.listVolumes({ [LABELS.managedBy]: MANAGED_BY_VALUE })).map((v) => ({
      id: v.name,
      labels: v.labels,
      state: '',
    }));
    const left = sortContainers(volumes, options.shared);
    for (const volume of options.force ? [...left.leftovers, ...left.foreign] : left.leftovers)
      await runtime.removeVolume(volume.id);
  }
  return { removed, foreign: options.force ? [] : sorted.foreign };
}

/** The containers of `shared` started from other hosts, as cleanLeftoverContainers sees them; removes nothing. */
export async function findForeignContainers(runtime: ContainerRuntime, shared: string): Promise<LabelledContainer[]> {
  return sortContainers(await runtime.listContainers({ [LABELS.managedBy]: MANAGED_BY_VALUE }), shared).foreign;
}

function sortContainers(
  containers: readonly LabelledContainer[],
  shared: string,
): { leftovers: LabelledContainer[]; foreign: LabelledContainer[] } {
  const leftovers: LabelledContainer[] = [];
  const foreign: LabelledContainer[] = [];
  for (const container of containers) {
    const kind = classify(container, shared);
    if (kind === 'leftover') leftovers.push(container);
    else if (kind === 'foreign') foreign.push(container);
  }
  return { leftovers, foreign };
}

function classify(container: LabelledContainer, shared: string): 'leftover' | 'foreign' | 'keep' {
  const { labels } = container;
  const pid = Number(labels[LABELS.pid]);
  const host = labels[LABELS.host];
  const onShared = labels[LABELS.shared] === shared;
  const known = Number.isInteger(pid) && pid > 0 && host !== undefined && host !== '';
  if (!known || host !== hostname()) return onShared ? 'foreign' : 'keep';
  if (pid === process.pid) return 'keep';
  if (onShared) return 'leftover';
  return holderLiveness({ pid, host, startedAt: labels[LABELS.startedAt] }) === 'dead' ? 'leftover' : 'keep';
}

/** "hello apply (3f2a1b0c9d8e)" for notices; "... from host ci-3" when another host started it. */
export function describeContainer(container: LabelledContainer): string {
  const { labels } = container;
  const host = labels[LABELS.host];
  const what = `${labels[LABELS.module] ?? '?'} ${labels[LABELS.command] ?? '?'} (${container.id.slice(0, 12)})`;
  if (host === hostname()) return what;
  return host === undefined || host === '' ? `${what} from an unknown host` : `${what} from host ${host}`;
}
