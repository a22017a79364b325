/*
 * `@e/core/resolve`: install requests, the resolver, its explanations and the steps that run
 * them, for the install commands (running them is `@e/core/run`); it does not load the author tools or the module SDK.
 */
export { EError, isEError, ResolutionError } from '../errors.js';
export { formatCandidate, formatCandidates, formatCycle, formatExplanation } from './format-explanation.js';
export { influencedInstalledModules } from './influences.js';
export type { InstallRequest } from './install-request.js';
export { formatInstallRequest, parseInstallRequest } from './install-request.js';
export type { DependencyGraph, Dependent, GraphEdge, GraphEdgeKind, GraphNode } from './installed-report.js';
export {
  dependencyGraph,
  installedVersion,
  missingCompanions,
  newerVersions,
  strongDependents,
} from './installed-report.js';
export type {
  Candidate,
  Explanation,
  InstallStep,
  Need,
  Reason,
  ResolveNotice,
  ResolveResult,
  RuledOut,
  RuleOut,
  StepAction,
} from './resolution.js';
export type { ResolveInput, ResolveOptions } from './resolve-install.js';
export { resolveInstall } from './resolve-install.js';
export type { Sequence } from './sequence.js';
export { sequence } from './sequence.js';
