import type { StateData } from './define-module.js';
import { ModuleError } from './errors.js';
import { RESERVED_STATE_KEY } from './run-module.js';

/**
 * The contract between infrastructure modules and the modules that run on their machines: an
 * applied infrastructure section has `nodes: [{privateIP, publicIP?, usedBy}]`, and a module
 * claims a node by setting `usedBy` to its own name (`unused` when free).
 */
export interface InfraNode {
  privateIP: string;
  publicIP?: string;
  usedBy: string;
}

export interface Address {
  privateIP: string;
  publicIP?: string;
}

export function isInfrastructureSection(value: unknown): value is { status: string; nodes: InfraNode[] } {
  if (typeof value !== 'object' || value === null) return false;
  const { nodes } = value as { nodes?: unknown };
  return Array.isArray(nodes) && nodes.every((n) => typeof n === 'object' && n !== null && 'privateIP' in n);
}

/** Applied infrastructure sections, in state order. */
export function infrastructures(state: StateData): [string, { status: string; nodes: InfraNode[] }][] {
  return Object.entries(state).filter(
    (entry): entry is [string, { status: string; nodes: InfraNode[] }] =>
      entry[0] !== RESERVED_STATE_KEY && isInfrastructureSection(entry[1]) && entry[1].status === 'applied',
  );
}

/** The first `count` unused nodes, as the state now has them, of the first infrastructure that has enough. */
export function pickUnusedNodes(state: StateData, count: number, module: string): Address[] {
  const infras = infrastructures(state);
  if (infras.length === 0) {
    throw new ModuleError('no applied infrastructure module in the state (a section with status: applied and nodes)', {
      hint: 'install one first, e.g. e module install azi',
    });
  }
  for (const [, infra] of infras) {
    const unused = infra.nodes.filter((n) => n.usedBy === 'unused');
    if (unused.length >= count) return unused.slice(0, count).map(address);
  }
  const found = infras.map(([name, infra]) => `${name} has ${infra.nodes.filter((n) => n.usedBy === 'unused').length}`);
  throw new ModuleError(`${module} needs ${count} unused nodes on one infrastructure; ${found.join(', ')}`, {
    hint: 'increase the size of the infrastructure and apply it',
  });
}

/**
 * Every infrastructure section after `module` claims exactly `claimed` (by private IP): those
 * nodes get `usedBy: module`, nodes it used before and no longer claims go back to `unused`.
 * Only sections that change are returned.
 */
export function claimNodes(state: StateData, module: string, claimed: readonly Address[]): Record<string, unknown> {
  const wanted = new Set(claimed.map((a) => a.privateIP));
  const seen = new Set<string>();
  const changed: Record<string, unknown> = {};
  for (const [name, infra] of infrastructures(state)) {
    let dirty = false;
    const nodes = infra.nodes.map((n) => {
      if (wanted.has(n.privateIP)) {
        seen.add(n.privateIP);
        if (n.usedBy !== module && n.usedBy !== 'unused') {
          throw new ModuleError(`node ${n.privateIP} of ${name} is already used by ${n.usedBy}`, {
            hint: `choose other nodes in ${module}-config.yml, or run init again`,
          });
        }
        if (n.usedBy === module) return n;
        dirty = true;
        return { ...n, usedBy: module };
      }
      if (n.usedBy !== module) return n;
      dirty = true;
      return { ...n, usedBy: 'unused' };
    });
    if (dirty) changed[name] = { ...infra, nodes };
  }
  const missing = [...wanted].filter((ip) => !seen.has(ip));
  if (missing.length > 0) {
    throw new ModuleError(`${missing.join(', ')}: not a node of any applied infrastructure module`, {
      hint: `fix ${module}-config.yml, or run init again`,
    });
  }
  return changed;
}

/** Nodes of applied infrastructure that `module` uses, by private IP. */
export function nodesUsedBy(state: StateData, module: string): Set<string> {
  const used = new Set<string>();
  for (const [, infra] of infrastructures(state)) {
    for (const n of infra.nodes) if (n.usedBy === module) used.add(n.privateIP);
  }
  return used;
}

function address(n: InfraNode): Address {
  return n.publicIP === undefined ? { privateIP: n.privateIP } : { privateIP: n.privateIP, publicIP: n.publicIP };
}
