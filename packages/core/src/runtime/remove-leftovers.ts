import { hostname } from 'node:os';
import { holderLiveness } from '../state/state-lock.js';
import type { ContainerRuntime, LabelledContainer } from './container-runtime.js';
import { LABELS, MANAGED_BY_VALUE } from './labels.js';

/**
 * Removes containers of e runs that can no longer be anyone's: those on `shared` (the caller holds
 * its lock, so no live run uses it) and those whose e process died on this host. Returns them.
 */
export async function removeLeftoverContainers(
  runtime: ContainerRuntime,
  shared: string,
): Promise<LabelledContainer[]> {
  const all = await runtime.listContainers({ [LABELS.managedBy]: MANAGED_BY_VALUE });
  const leftovers = all.filter((c) => isLeftover(c, shared));
  for (const container of leftovers) await runtime.removeContainer(container.id);
  return leftovers;
}

function isLeftover(container: LabelledContainer, shared: string): boolean {
  const labels = container.labels;
  if (labels[LABELS.pid] === String(process.pid) && labels[LABELS.host] === hostname()) return false;
  if (labels[LABELS.shared] === shared) return true;
  const pid = Number(labels[LABELS.pid]);
  const host = labels[LABELS.host];
  if (!Number.isInteger(pid) || host === undefined) return false;
  return holderLiveness({ pid, host, startedAt: labels[LABELS.startedAt] }) === 'dead';
}

/** "hello apply (3f2a1b0c9d8e)" for notices. */
export function describeContainer(container: LabelledContainer): string {
  const { labels } = container;
  return `${labels[LABELS.module] ?? '?'} ${labels[LABELS.command] ?? '?'} (${container.id.slice(0, 12)})`;
}
