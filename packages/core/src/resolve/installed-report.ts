import { defaultVersion, findVersion } from '../repository/find-module.js';
import type { Labels, ModuleVersion, Repository, Requirement } from '../repository/model.js';
import { compareVersions } from '../selector/compare.js';
import { matchesRequirement } from '../selector/match.js';
import type { InstalledRecord } from '../state/installed-records.js';

type Installed = Readonly<Record<string, InstalledRecord>>;

/** The repository entry of an installed module's version, if the repository still has it. */
export function installedVersion(
  repository: Repository,
  module: string,
  record: InstalledRecord,
): ModuleVersion | undefined {
  const component = repository.components.find((c) => c.name === module);
  return component === undefined ? undefined : findVersion(component, record.version);
}

export interface Dependent {
  module: string;
  version: string;
  requirement: Requirement;
}

/**
 * Installed modules with a strong requirement that `module` meets and no other applied module
 * does: removing `module` would leave them unmet.
 */
export function strongDependents(repository: Repository, installed: Installed, module: string): Dependent[] {
  const target = installed[module];
  if (target === undefined) return [];
  const others = Object.entries(installed).filter(([name, r]) => name !== module && r.status === 'applied');
  const out: Dependent[] = [];
  for (const [name, record] of Object.entries(installed)) {
    if (name === module || record.status === 'destroyed') continue;
    const mv = installedVersion(repository, name, record);
    for (const requirement of mv?.requires.strong ?? []) {
      if (!matchesRequirement(target.labels, requirement)) continue;
      const elsewhere = others.some(([other, r]) => other !== name && matchesRequirement(r.labels, requirement));
      if (!elsewhere) out.push({ module: name, version: record.version, requirement });
    }
  }
  return out.sort((a, b) => (a.module < b.module ? -1 : a.module > b.module ? 1 : 0));
}

/** Weak requirements of an installed module that no other installed module meets. */
export function missingCompanions(repository: Repository, installed: Installed, module: string): Requirement[] {
  const record = installed[module];
  if (record === undefined) return [];
  const mv = installedVersion(repository, module, record);
  const others: Labels[] = Object.entries(installed)
    .filter(([name, r]) => name !== module && r.status !== 'destroyed')
    .map(([, r]) => r.labels);
  return (mv?.requires.weak ?? []).filter((req) => !others.some((labels) => matchesRequirement(labels, req)));
}

/** Versions of the module in the repository newer than `version`, highest first. */
export function newerVersions(repository: Repository, module: string, version: string): string[] {
  const component = repository.components.find((c) => c.name === module);
  return (component?.versions ?? [])
    .filter((mv) => compareVersions(mv.version, version) > 0)
    .map((mv) => mv.version)
    .sort((a, b) => compareVersions(b, a));
}

export type GraphEdgeKind = 'strong' | 'weak' | 'influences';

export interface GraphNode {
  module: string;
  version: string;
  installed: boolean;
  /** Of an installed module: its record's status, and the flags `e status` shows. */
  status?: string;
  needsPlan?: boolean;
  drift?: boolean;
}

export interface GraphEdge {
  from: string;
  to: string;
  kind: GraphEdgeKind;
  requirement: Requirement;
}

export interface DependencyGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

/**
 * The dependency graph of the installed modules (or, with `all`, of every component at its
 * installed or default version): an edge for every module that meets a strong or weak
 * requirement, and for every module an influences selector matches.
 */
export function dependencyGraph(
  repository: Repository,
  installed: Installed,
  options: { all?: boolean } = {},
): DependencyGraph {
  const nodes: (GraphNode & { labels: Labels; mv: ModuleVersion | undefined })[] = [];
  for (const component of repository.components) {
    const record = installed[component.name];
    if (record !== undefined) {
      const mv = installedVersion(repository, component.name, record);
      nodes.push({ module: component.name, ...installedState(record), labels: record.labels, mv });
    } else if (options.all) {
      const mv = defaultVersion(component);
      if (mv !== undefined)
        nodes.push({ module: component.name, version: mv.version, installed: false, labels: mv.labels, mv });
    }
  }
  for (const [name, record] of Object.entries(installed)) {
    if (!nodes.some((n) => n.module === name))
      nodes.push({ module: name, ...installedState(record), labels: record.labels, mv: undefined });
  }
  nodes.sort((a, b) => (a.module < b.module ? -1 : a.module > b.module ? 1 : 0));
  const edges: GraphEdge[] = [];
  const link = (from: string, kind: GraphEdgeKind, requirements: readonly Requirement[]) => {
    for (const requirement of requirements) {
      for (const to of nodes) {
        if (to.module !== from && matchesRequirement(to.labels, requirement))
          edges.push({ from, to: to.module, kind, requirement });
      }
    }
  };
  for (const node of nodes) {
    if (node.mv === undefined) continue;
    link(node.module, 'strong', node.mv.requires.strong);
    link(node.module, 'weak', node.mv.requires.weak);
    link(node.module, 'influences', node.mv.influences);
  }
  return { nodes: nodes.map(({ labels: _l, mv: _m, ...node }) => node), edges };
}

function installedState(record: InstalledRecord): Omit<GraphNode, 'module'> {
  return {
    version: record.version,
    installed: true,
    status: record.status,
    ...(record.needsPlan ? { needsPlan: true } : {}),
    ...(record.drift ? { drift: true } : {}),
  };
}
