import type { ModuleVersion } from '../repository/model.js';
import type { RunAccess } from './container-runtime.js';

/**
 * Network is on by default: most modules manage real infrastructure (cloud APIs, hosts, clusters)
 * and cannot work without it. A module that only computes says `network: false` in the repository
 * and runs with no network at all. Everything else is least privilege: all capabilities dropped,
 * no-new-privileges, bounded memory and process count.
 */
export const DEFAULT_ACCESS: RunAccess = {
  network: true,
  capabilities: [],
  memoryBytes: 1024 * 1024 * 1024,
  pids: 512,
};

/** What a module version's containers may do: the defaults, overridden by its repository entry. */
export function runAccess(version: Pick<ModuleVersion, 'network' | 'capabilities' | 'resources'>): RunAccess {
  return {
    network: version.network ?? DEFAULT_ACCESS.network,
    capabilities: version.capabilities ?? DEFAULT_ACCESS.capabilities,
    memoryBytes: version.resources?.memoryBytes ?? DEFAULT_ACCESS.memoryBytes,
    pids: version.resources?.pids ?? DEFAULT_ACCESS.pids,
  };
}
