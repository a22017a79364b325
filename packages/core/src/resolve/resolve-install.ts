import { didYouMean } from '../repository/did-you-mean.js';
import { findVersion } from '../repository/find-module.js';
import type { Component, ModuleVersion, Repository, Requirement } from '../repository/model.js';
import { compareVersions, satisfiesRange } from '../selector/compare.js';
import type { InstalledRecord } from '../state/installed-records.js';
import { influencedInstalledModules } from './influences.js';
import { formatInstallRequest, type InstallRequest } from './install-request.js';
import { LabelIndex } from './label-index.js';
import type {
  Candidate,
  Explanation,
  InstallStep,
  Need,
  Reason,
  ResolveNotice,
  ResolveResult,
  RuledOut,
  StepAction,
} from './resolution.js';
import { sequence } from './sequence.js';

export interface ResolveOptions {
  /** Choose and add the modules that unmet strong requirements need (`--with-deps`). */
  withDeps?: boolean;
  /** Component names that decide when several could meet one requirement (`--prefer`). */
  prefer?: readonly string[];
  /** The requested module may replace its installed version (`e module upgrade`). */
  upgrade?: boolean;
  /** Give up after visiting this many module versions (default 1,000,000). */
  budget?: number;
}

export interface ResolveInput {
  repository: Repository;
  /** e's installed-module records, by module name. */
  installed: Readonly<Record<string, InstalledRecord>>;
  request: InstallRequest;
  options?: ResolveOptions;
}

interface VersionRef {
  module: string;
  mv: ModuleVersion;
}

interface PlanEntry {
  module: string;
  mv: ModuleVersion;
  done: boolean;
}

interface Edge {
  from: string;
  to: string;
  requirement: Requirement;
}

interface Mark {
  entries: number;
  edges: number;
}

interface Delta {
  entries: PlanEntry[];
  edges: Edge[];
}

interface VersionTask {
  kind: 'version';
  entry: PlanEntry;
  next: number;
}

interface RequirementTask {
  kind: 'requirement';
  owner: VersionTask;
  requirement: Requirement;
  groups: VersionRef[][];
  group: number;
  version: number;
  mark: Mark;
  ruledOut: RuledOut[];
  found: { ref: VersionRef; delta: Delta | undefined }[];
}

type Task = VersionTask | RequirementTask;
type Outcome = { ok: true } | { ok: false; reason: Reason };

const APPLIED = 'applied';
const OK: Outcome = { ok: true };

/**
 * Resolves `e module install <request>` against the repository and what is installed: the ordered
 * steps to run, or an explanation of why there are none. Pure: no I/O, no printing, no throwing
 * for a request that cannot be met (selectors the repository validated do not throw either).
 */
export function resolveInstall(input: ResolveInput): ResolveResult {
  return new Resolver(input).resolve();
}

class Resolver {
  readonly #repository: Repository;
  readonly #installed: Readonly<Record<string, InstalledRecord>>;
  readonly #request: InstallRequest;
  readonly #options: ResolveOptions;
  readonly #versions = new LabelIndex<VersionRef>();
  readonly #applied = new LabelIndex<string>();
  /** Every installed module, whatever its status (weak requirements look at these). */
  readonly #recorded = new LabelIndex<string>();
  readonly #components = new Map<string, Component>();
  readonly #plan = new Map<string, PlanEntry>();
  readonly #added: PlanEntry[] = [];
  readonly #edges: Edge[] = [];
  readonly #cycles: Candidate[][] = [];
  readonly #prefer: string[];

  constructor(input: ResolveInput) {
    this.#repository = input.repository;
    this.#installed = input.installed;
    this.#request = input.request;
    this.#options = input.options ?? {};
    this.#prefer = [...(this.#options.prefer ?? [])];
    for (const component of this.#repository.components) {
      this.#components.set(component.name, component);
      for (const mv of component.versions) {
        this.#versions.add(mv.labels, { module: component.name, mv });
      }
    }
    for (const [name, record] of Object.entries(this.#installed)) {
      if (record.status === APPLIED) this.#applied.add(record.labels, name);
      this.#recorded.add(record.labels, name);
    }
  }

  resolve(): ResolveResult {
    const chosen = this.#chooseRequested();
    if ('reason' in chosen) return this.#fail([chosen.reason]);
    const root: PlanEntry = { module: this.#request.name, mv: chosen.mv, done: false };
    if (!this.#options.withDeps) {
      const unmet = this.#unmet(root);
      if (unmet.length > 0) return this.#fail(unmet);
      root.done = true;
      this.#plan.set(root.module, root);
    } else {
      const outcome = this.#search(root);
      if (!outcome.ok) return this.#fail([outcome.reason]);
    }
    return this.#steps();
  }

  #fail(reasons: Reason[]): ResolveResult {
    const explanation: Explanation = { request: formatInstallRequest(this.#request), reasons, cycles: this.#cycles };
    return { ok: false, explanation };
  }

  /**
   * The requested version: the installed one if it fits, else latest, else highest; when
   * upgrading without a version, the highest stable one.
   */
  #chooseRequested(): { mv: ModuleVersion } | { reason: Reason } {
    const { name, version } = this.#request;
    const component = this.#components.get(name);
    if (component === undefined) {
      const suggestion = didYouMean(name, [...this.#components.keys()]);
      return { reason: { kind: 'unknown-module', module: name, ...(suggestion ? { suggestion } : {}) } };
    }
    const exact = version === undefined ? undefined : findVersion(component, version);
    const allowed =
      exact !== undefined
        ? [exact]
        : component.versions.filter((mv) => version === undefined || satisfiesRange(mv.version, version));
    const record = this.#installed[name];
    // an upgrade moves to the highest stable version (what `e status` calls newer), not to `latest`
    const ordered =
      this.#options.upgrade && version === undefined
        ? [...allowed].sort(
            (a, b) =>
              Number(isPrerelease(a.version)) - Number(isPrerelease(b.version)) ||
              compareVersions(b.version, a.version),
          )
        : this.#preferenceOrder(allowed, this.#options.upgrade ? undefined : record?.version);
    const mv = ordered[0];
    if (mv === undefined) {
      const available = [...component.versions].sort((a, b) => compareVersions(a.version, b.version));
      return {
        reason: {
          kind: 'no-such-version',
          module: name,
          version: version ?? '',
          available: available.map((v) => v.version),
        },
      };
    }
    if (record !== undefined && !this.#options.upgrade && compareVersions(record.version, mv.version) !== 0) {
      return {
        reason: { kind: 'installed-other-version', module: name, installed: record.version, requested: mv.version },
      };
    }
    return { mv };
  }

  /**
   * Installed version first (if among them), then the one marked latest, then stable versions
   * from the highest, then pre-releases.
   */
  #preferenceOrder(versions: readonly ModuleVersion[], installed: string | undefined): ModuleVersion[] {
    return this.#sortByPreference([...versions], (mv) => mv, installed);
  }

  /**
   * Sorts versions of one component (in place, stably): the installed one first, then by
   * comparePreference. A stable sort of versions in their component's order needs no table of ranks.
   */
  #sortByPreference<T>(items: T[], mvOf: (item: T) => ModuleVersion, installed: string | undefined): T[] {
    if (items.length <= 1) return items;
    const isInstalled = (mv: ModuleVersion) => installed !== undefined && compareVersions(mv.version, installed) === 0;
    return items.sort((a, b) => {
      const x = mvOf(a);
      const y = mvOf(b);
      return Number(isInstalled(y)) - Number(isInstalled(x)) || comparePreference(x, y);
    });
  }

  /** Without --with-deps: every strong requirement must be met by an applied installed module. */
  #unmet(root: PlanEntry): Reason[] {
    const reasons: Reason[] = [];
    for (const requirement of root.mv.requires.strong) {
      if (this.#appliedMatch(requirement, root.module) !== undefined) continue;
      const candidates = this.#versions
        .matching(requirement)
        .filter((ref) => ref.module !== root.module)
        .map(candidate);
      const notApplied = Object.entries(this.#installed)
        .filter(([name, record]) => name !== root.module && record.status !== APPLIED)
        .filter(([, record]) => this.#versions.matching(requirement).some((ref) => sameVersion(ref, record)))
        .map(([name, record]) => ({ module: name, version: record.version, status: record.status }));
      reasons.push({
        kind: 'unmet',
        module: root.module,
        version: root.mv.version,
        requirement,
        candidates: sortCandidates(candidates),
        notApplied,
      });
    }
    return reasons;
  }

  #appliedMatch(requirement: Requirement, except: string): string | undefined {
    if (this.#applied.size === 0) return undefined;
    return this.#applied.matching(requirement).find((name) => name !== except);
  }

  /**
   * Depth-first search over the choices, with an explicit stack so a chain of thousands of
   * modules cannot overflow the call stack. Each requirement tries its candidate components
   * (preferred first), each from its preferred version down; a failed try is undone.
   */
  #search(root: PlanEntry): Outcome {
    const budget = this.#options.budget ?? 1_000_000;
    let visited = 0;
    const stack: Task[] = [];
    const enter = (entry: PlanEntry) => {
      visited++;
      this.#plan.set(entry.module, entry);
      this.#added.push(entry);
      stack.push({ kind: 'version', entry, next: 0 });
    };
    enter(root);
    let result: Outcome | undefined;
    while (stack.length > 0) {
      if (visited > budget) return { ok: false, reason: { kind: 'too-complex', visited } };
      const task = stack[stack.length - 1]!;
      if (task.kind === 'version') {
        if (result !== undefined) {
          // a requirement task just finished for this module
          if (!result.ok) {
            stack.pop();
            continue; // hand the failure to the requirement task below
          }
          result = undefined;
          task.next++;
        }
        const requirement = task.entry.mv.requires.strong[task.next];
        if (requirement === undefined) {
          task.entry.done = true;
          stack.pop();
          result = OK;
          continue;
        }
        const next = this.#requirementTask(task, requirement, stack);
        if (next === 'met') {
          task.next++;
          continue;
        }
        stack.push(next);
        continue;
      }
      // a requirement task: take the result of the last try, then try the next candidate
      if (result !== undefined) {
        const tried = this.#current(task)!;
        const outcome = result;
        result = undefined;
        if (!outcome.ok) {
          if (outcome.reason.kind === 'ambiguous' || outcome.reason.kind === 'too-complex') return outcome;
          this.#undo(task.mark);
          task.ruledOut.push({ ...candidate(tried), why: { kind: 'unresolvable', cause: outcome.reason } });
          task.version++;
        } else {
          const decisive = this.#prefer.includes(tried.module) || (task.found.length === 0 && this.#isLastGroup(task));
          if (decisive) {
            task.found = [{ ref: tried, delta: undefined }];
            task.group = task.groups.length;
          } else {
            task.found.push({ ref: tried, delta: this.#undo(task.mark) });
            task.group++;
            task.version = 0;
          }
        }
      }
      const ref = this.#current(task);
      if (ref !== undefined) {
        enter({ module: ref.module, mv: ref.mv, done: false });
        continue;
      }
      stack.pop();
      result = this.#decide(task, stack);
    }
    return result ?? OK;
  }

  #isLastGroup(task: RequirementTask): boolean {
    return task.group === task.groups.length - 1;
  }

  /** The candidate the task is at, moving past exhausted components; undefined when all are tried. */
  #current(task: RequirementTask): VersionRef | undefined {
    while (task.group < task.groups.length) {
      const ref = task.groups[task.group]![task.version];
      if (ref !== undefined) return ref;
      task.group++;
      task.version = 0;
    }
    return undefined;
  }

  /** After every candidate was tried: keep the one that worked, or explain. */
  #decide(task: RequirementTask, stack: readonly Task[]): Outcome {
    const owner = task.owner.entry;
    const { found } = task;
    let pick = found.length === 1 ? found[0] : undefined;
    if (found.length > 1) {
      for (const name of this.#prefer) {
        pick = found.find((f) => f.ref.module === name);
        if (pick !== undefined) break;
      }
      if (pick === undefined) {
        this.#undo(task.mark);
        return {
          ok: false,
          reason: {
            kind: 'ambiguous',
            module: owner.module,
            version: owner.mv.version,
            requirement: task.requirement,
            candidates: found.map((f) => candidate(f.ref)),
            path: stack.filter((t): t is VersionTask => t.kind === 'version').map((t) => candidate(t.entry)),
          },
        };
      }
    }
    if (pick === undefined) {
      return {
        ok: false,
        reason: {
          kind: 'dead-end',
          module: owner.module,
          version: owner.mv.version,
          requirement: task.requirement,
          ruledOut: task.ruledOut,
        },
      };
    }
    if (pick.delta !== undefined) {
      this.#undo(task.mark);
      this.#replay(pick.delta);
    }
    this.#edges.push({ from: owner.module, to: pick.ref.module, requirement: task.requirement });
    return OK;
  }

  /** What meets a requirement now ('met'), or a task that tries the candidates that could. */
  #requirementTask(owner: VersionTask, requirement: Requirement, stack: readonly Task[]): 'met' | RequirementTask {
    const self = owner.entry.module;
    if (this.#appliedMatch(requirement, self) !== undefined) return 'met';
    const refs = this.#versions.matching(requirement);
    // candidates by component; the index gives a component's versions one after another
    const groups: VersionRef[][] = [];
    let byModule: Map<string, VersionRef[]> | undefined;
    const ruledOut: RuledOut[] = [];
    let planned: string | undefined;
    for (const ref of refs) {
      const entry = this.#plan.get(ref.module);
      if (ref.module === self) {
        this.#ruleOutCycle(ruledOut, ref, [candidate(owner.entry), candidate(ref)]);
      } else if (entry !== undefined) {
        if (entry.mv !== ref.mv) {
          const chosenFor = this.#edges.filter((e) => e.to === ref.module).map((e) => e.from);
          if (entry === this.#added[0]) chosenFor.unshift('the request');
          ruledOut.push({ ...candidate(ref), why: { kind: 'conflict', chosen: entry.mv.version, chosenFor } });
        } else if (entry.done) {
          planned ??= ref.module;
        } else {
          this.#ruleOutCycle(ruledOut, ref, this.#cycleThrough(ref.module, stack));
        }
      } else {
        const record = this.#installed[ref.module];
        if (record !== undefined && !sameVersion(ref, record)) {
          ruledOut.push({ ...candidate(ref), why: { kind: 'installed-other-version', installed: record.version } });
        } else {
          const last = groups[groups.length - 1];
          if (last !== undefined && last[0]!.module === ref.module) last.push(ref);
          else {
            byModule ??= new Map(groups.map((group) => [group[0]!.module, group]));
            const list = byModule.get(ref.module);
            if (list !== undefined) list.push(ref);
            else {
              groups.push([ref]);
              byModule.set(ref.module, groups[groups.length - 1]!);
            }
          }
        }
      }
    }
    if (planned !== undefined) {
      this.#edges.push({ from: self, to: planned, requirement });
      return 'met';
    }
    if (groups.length > 1) {
      const rank = (name: string) => {
        const at = this.#prefer.indexOf(name);
        return at < 0 ? this.#prefer.length : at;
      };
      groups.sort((x, y) => {
        const a = x[0]!.module;
        const b = y[0]!.module;
        return rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);
      });
    }
    // a component's refs are distinct versions (the index holds each version once)
    for (const group of groups) this.#sortByPreference(group, refVersion, this.#installed[group[0]!.module]?.version);
    return {
      kind: 'requirement',
      owner,
      requirement,
      groups,
      group: 0,
      version: 0,
      mark: { entries: this.#added.length, edges: this.#edges.length },
      ruledOut,
      found: [],
    };
  }

  #ruleOutCycle(ruledOut: RuledOut[], ref: VersionRef, cycle: Candidate[]): void {
    this.#cycles.push(cycle);
    ruledOut.push({ ...candidate(ref), why: { kind: 'cycle', cycle } });
  }

  /** The modules being resolved from `module` down to the top of the stack, and back to `module`. */
  #cycleThrough(module: string, stack: readonly Task[]): Candidate[] {
    const path = stack.filter((t): t is VersionTask => t.kind === 'version').map((t) => t.entry);
    const from = path.findIndex((entry) => entry.module === module);
    const cycle = path.slice(Math.max(from, 0)).map(candidate);
    return [...cycle, cycle[0]!];
  }

  /** Removes what was added after `mark` and returns it, so a kept choice can be put back. */
  #undo(mark: Mark): Delta {
    const entries = this.#added.splice(mark.entries);
    for (const entry of entries) this.#plan.delete(entry.module);
    return { entries, edges: this.#edges.splice(mark.edges) };
  }

  #replay(delta: Delta): void {
    for (const entry of delta.entries) {
      this.#plan.set(entry.module, entry);
      this.#added.push(entry);
    }
    this.#edges.push(...delta.edges);
  }

  /** The plan as ordered steps: strong edges, plus weak ones that do not contradict them. */
  #steps(): ResolveResult {
    const notices: ResolveNotice[] = [];
    const names = [...this.#plan.keys()];
    // each module's companions, strong and weak, in the order found, each once (a module has few)
    const strong = new Map<string, string[]>();
    const weak = new Map<string, string[]>();
    const none: readonly string[] = [];
    for (const edge of this.#edges) addTo(strong, edge.from, edge.to);
    for (const entry of this.#plan.values()) {
      for (const requirement of entry.mv.requires.weak) {
        const matching = this.#versions.matching(requirement);
        let planned = false;
        for (const ref of matching) {
          if (ref.module === entry.module || this.#plan.get(ref.module)?.mv !== ref.mv) continue;
          planned = true;
          if (!strong.get(entry.module)?.includes(ref.module)) addTo(weak, entry.module, ref.module);
        }
        const installed =
          this.#recorded.size > 0 && this.#recorded.matching(requirement).some((n) => n !== entry.module);
        if (!planned && !installed) {
          const candidates = matching.filter((ref) => ref.module !== entry.module).map(candidate);
          notices.push({
            kind: 'missing-weak',
            module: entry.module,
            version: entry.mv.version,
            requirement,
            candidates: sortCandidates(candidates),
          });
        }
      }
    }
    const both = (n: string) => {
      const s = strong.get(n);
      const w = weak.get(n);
      return w === undefined ? (s ?? none) : s === undefined ? w : [...s, ...w];
    };
    let order = sequence(names, both);
    if (!order.safe) {
      const stuck = new Set(order.cycles);
      for (const name of order.cycles) {
        const companions = weak.get(name);
        if (companions === undefined) continue;
        weak.set(
          name,
          companions.filter((companion) => {
            if (!stuck.has(companion)) return true;
            notices.push({ kind: 'weak-order-dropped', module: name, companion });
            return false;
          }),
        );
      }
      order = sequence(names, both);
    }
    const neededBy = new Map<string, Need[]>();
    for (const e of this.#edges) {
      const need = { module: e.from, version: this.#plan.get(e.from)!.mv.version, requirement: e.requirement };
      const list = neededBy.get(e.to);
      if (list === undefined) neededBy.set(e.to, [need]);
      else list.push(need);
    }
    const chunkOf = new Map<string, number>();
    order.chunks.forEach((chunk, i) => {
      for (const name of chunk) chunkOf.set(name, i);
    });
    const steps: InstallStep[] = order.chunks.flat().map((name) => {
      const entry = this.#plan.get(name)!;
      const record = this.#installed[name];
      const step: InstallStep = {
        module: name,
        version: entry.mv.version,
        moduleVersion: entry.mv,
        action: actionFor(entry, record),
        requested: entry === this.#added[0] || (this.#added.length === 0 && name === this.#request.name),
        neededBy: neededBy.get(name) ?? [],
        after: afterOf(strong.get(name), weak.get(name)),
        chunk: chunkOf.get(name)!,
      };
      if (record !== undefined) step.installedVersion = record.version;
      return step;
    });
    for (const step of this.#recorded.size > 0 ? steps : []) {
      const influenced = influencedInstalledModules(
        { module: step.module, moduleVersion: step.moduleVersion },
        this.#installed,
      );
      if (influenced.length > 0)
        notices.push({ kind: 'influences', module: step.module, version: step.version, influenced });
    }
    return { ok: true, steps, chunks: order.chunks, notices };
  }
}

/** A step's `after`: its strong companions by name, then its weak ones by name. */
function afterOf(strong: readonly string[] | undefined, weak: readonly string[] | undefined): InstallStep['after'] {
  const after: InstallStep['after'] = [];
  for (const module of sorted(strong)) after.push({ module, kind: 'strong' });
  for (const module of sorted(weak)) after.push({ module, kind: 'weak' });
  return after;
}

function sorted(list: readonly string[] | undefined): string[] {
  if (list === undefined) return [];
  return list.length > 1 ? [...list].sort() : [...list];
}

/** Adds `value` to the list of `key`, once. */
function addTo(map: Map<string, string[]>, key: string, value: string): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else if (!list.includes(value)) list.push(value);
}

/** The order of preference of a component's versions: latest, then stable, then pre-releases, highest first. */
function comparePreference(a: ModuleVersion, b: ModuleVersion): number {
  return preferenceGroup(a) - preferenceGroup(b) || compareVersions(b.version, a.version);
}

function preferenceGroup(mv: ModuleVersion): number {
  return mv.latest ? 0 : isPrerelease(mv.version) ? 2 : 1;
}

/** Whether a version has a pre-release part (`2.0.0-rc.1`), which ranks below stable versions. */
function isPrerelease(version: string): boolean {
  return /^[^+]*-/.test(version);
}

function actionFor(entry: PlanEntry, record: InstalledRecord | undefined): StepAction {
  if (record === undefined) return 'install';
  if (compareVersions(record.version, entry.mv.version) !== 0) return 'upgrade';
  return record.status === APPLIED ? 'reapply' : 'retry';
}

function sameVersion(ref: VersionRef, record: InstalledRecord): boolean {
  return compareVersions(ref.mv.version, record.version) === 0;
}

function refVersion(ref: VersionRef): ModuleVersion {
  return ref.mv;
}

function candidate(ref: { module: string; mv: ModuleVersion }): Candidate {
  return { module: ref.module, version: ref.mv.version };
}

function sortCandidates(candidates: Candidate[]): Candidate[] {
  return candidates.sort((a, b) =>
    a.module !== b.module ? (a.module < b.module ? -1 : 1) : compareVersions(b.version, a.version),
  );
}
