import type { ModuleVersion, Requirement } from '../repository/model.js';

/** A module version by name, as shown to people: `azi 0.1.0`. */
export interface Candidate {
  module: string;
  version: string;
}

/** Why a step is in the plan: a requirement of another step that it meets. */
export interface Need extends Candidate {
  requirement: Requirement;
}

/**
 * `install`: not installed yet; `upgrade`: replaces the installed version; `retry`: installed at
 * this version but not applied (failed, interrupted); `reapply`: installed and applied already.
 */
export type StepAction = 'install' | 'upgrade' | 'retry' | 'reapply';

export interface InstallStep {
  module: string;
  version: string;
  moduleVersion: ModuleVersion;
  action: StepAction;
  /** The version installed now, when there is one. */
  installedVersion?: string;
  /** True for the module the user asked for. */
  requested: boolean;
  /** The steps whose strong requirements this one meets. */
  neededBy: Need[];
  /** Steps to apply before this one: strong (it needs them) or weak (an optional companion). */
  after: { module: string; kind: 'strong' | 'weak' }[];
  /** Index into `chunks`: steps of one chunk do not depend on each other. */
  chunk: number;
}

export type ResolveNotice =
  /** A weak requirement that nothing installed or planned meets; the install goes on without it. */
  | { kind: 'missing-weak'; module: string; version: string; requirement: Requirement; candidates: Candidate[] }
  /** A weak requirement whose order was dropped because it contradicts the strong order. */
  | { kind: 'weak-order-dropped'; module: string; companion: string }
  /** Installed modules that will need a plan after this step is applied. */
  | { kind: 'influences'; module: string; version: string; influenced: string[] };

/** Why one candidate for a requirement cannot be used. */
export type RuleOut =
  | { kind: 'installed-other-version'; installed: string }
  | { kind: 'conflict'; chosen: string; chosenFor: string[] }
  | { kind: 'cycle'; cycle: Candidate[] }
  | { kind: 'unresolvable'; cause: Reason };

export interface RuledOut extends Candidate {
  why: RuleOut;
}

/** One reason a request cannot be resolved, in terms a person can act on. */
export type Reason =
  | { kind: 'unknown-module'; module: string; suggestion?: string }
  | { kind: 'no-such-version'; module: string; version: string; available: string[] }
  | { kind: 'installed-other-version'; module: string; installed: string; requested: string }
  /** Without --with-deps: a strong requirement nothing applied meets (and what would). */
  | {
      kind: 'unmet';
      module: string;
      version: string;
      requirement: Requirement;
      candidates: Candidate[];
      notApplied: (Candidate & { status: string })[];
    }
  /** With --with-deps: more than one module could meet the requirement; `path` is who needs it. */
  | {
      kind: 'ambiguous';
      module: string;
      version: string;
      requirement: Requirement;
      candidates: Candidate[];
      path: Candidate[];
    }
  /** With --with-deps: no candidate is left for the requirement; `ruledOut` says why each went. */
  | { kind: 'dead-end'; module: string; version: string; requirement: Requirement; ruledOut: RuledOut[] }
  | { kind: 'too-complex'; visited: number };

export interface Explanation {
  /** The request as typed, e.g. `kafka@^0.1`. */
  request: string;
  reasons: Reason[];
  /** Every dependency cycle met on the way, as `a → b → a`. */
  cycles: Candidate[][];
}

export type ResolveResult =
  | { ok: true; steps: InstallStep[]; chunks: string[][]; notices: ResolveNotice[] }
  | { ok: false; explanation: Explanation };
