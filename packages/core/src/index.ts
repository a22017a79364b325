export type { CanonicalMetadata, MetadataComparison } from './author/compare-metadata.js';
export { canonicalise, compareMetadata } from './author/compare-metadata.js';
export type { ImageRunnerOptions, PreparedTarget, TargetQuery, TargetVersion } from './author/image-target.js';
export {
  imageCaseRunner,
  looksLikeImage,
  moduleForImage,
  prepareTarget,
  targetVersions,
} from './author/image-target.js';
export { chooseMockedState } from './author/mocked-state.js';
export type { ModuleSource } from './author/module-source.js';
export { findModuleSource, readModuleSource } from './author/module-source.js';
export { repositorySections } from './author/repository-sections.js';
export type { Scaffold, ScaffoldOptions } from './author/scaffold-module.js';
export { checkModuleName, scaffoldModule } from './author/scaffold-module.js';
export type { CaseResult, TestModuleOptions, TestModuleReport } from './author/test-module.js';
export { testModule } from './author/test-module.js';
export type {
  CheckStatus,
  ConformanceCheck,
  MockedState,
  ValidateOptions,
  ValidationReport,
} from './author/validate-module.js';
export { validateModule } from './author/validate-module.js';
export { prepareRepositoryAppend, withEntry, writeScaffold } from './author/write-scaffold.js';
export {
  ArchiveError,
  EError,
  isEError,
  RepositoryError,
  ResolutionError,
  RuntimeError,
  SelectorError,
  StateError,
} from './errors.js';
export { didYouMean } from './repository/did-you-mean.js';
export { defaultVersion, findComponent, findVersion, sortedVersions } from './repository/find-module.js';
export type { ImageReference } from './repository/image-reference.js';
export { checkImageReference, parseImageReference } from './repository/image-reference.js';
export { InvalidRepositoryError, loadRepository, readRepositorySource } from './repository/load-repository.js';
export type {
  Component,
  Labels,
  LabelValue,
  MatchExpression,
  ModuleCommand,
  ModuleVersion,
  Operator,
  Repository,
  Requirement,
} from './repository/model.js';
export { REQUIRED_COMMANDS, RESERVED_STATE_KEY } from './repository/model.js';
export type { ParseResult } from './repository/parse-repository.js';
export { parseRepository } from './repository/parse-repository.js';
export type { Problem } from './repository/problem.js';
export { formatProblem } from './repository/problem.js';
export { ARCHITECTURES, repositoryJsonSchema } from './repository/schema.js';
export { formatCandidate, formatCandidates, formatCycle, formatExplanation } from './resolve/format-explanation.js';
export { influencedInstalledModules } from './resolve/influences.js';
export type { InstallRequest } from './resolve/install-request.js';
export { formatInstallRequest, parseInstallRequest } from './resolve/install-request.js';
export type { DependencyGraph, Dependent, GraphEdge, GraphEdgeKind, GraphNode } from './resolve/installed-report.js';
export {
  dependencyGraph,
  installedVersion,
  missingCompanions,
  newerVersions,
  strongDependents,
} from './resolve/installed-report.js';
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
} from './resolve/resolution.js';
export type { ResolveInput, ResolveOptions } from './resolve/resolve-install.js';
export { resolveInstall } from './resolve/resolve-install.js';
export type {
  InstallCommand,
  RunContext,
  RunStepsResult,
  StepEvents,
  StepOutcome,
  UpgradeOptions,
} from './resolve/run-steps.js';
export {
  INSTALL_COMMANDS,
  installStep,
  planInfluenced,
  restoreRecord,
  runCommand,
  runSteps,
} from './resolve/run-steps.js';
export type { Sequence } from './resolve/sequence.js';
export { sequence } from './resolve/sequence.js';
export type { ImageChoice } from './runtime/check-platform.js';
export { checkPulledArchitecture, checkRegistryPlatforms, chooseImage } from './runtime/check-platform.js';
export type {
  ContainerRuntime,
  ImageDetails,
  LabelledContainer,
  OutputStream,
  PullOptions,
  PullProgress,
  RegistryImage,
  RunOutcome,
  RunSpec,
} from './runtime/container-runtime.js';
export { failedBeforeStart, markNotStarted } from './runtime/container-runtime.js';
export { createDockerRuntime } from './runtime/dockerode-runtime.js';
export { describeEndpoint, engineError } from './runtime/engine-error.js';
export type { EnsureImageOptions, PullPolicy, ResolvedImage } from './runtime/ensure-image.js';
export { ensureImage } from './runtime/ensure-image.js';
export { LABELS, MANAGED_BY_VALUE, runLabels } from './runtime/labels.js';
export { LinePrefixer, OutputTail } from './runtime/line-prefixer.js';
export type { SavedPlan } from './runtime/plan-file.js';
export { PLAN_FORMAT, readPlanFile, sha256OrNull, stalePlanReasons, writePlanFile } from './runtime/plan-file.js';
export type { Platform } from './runtime/platform.js';
export { formatPlatform, normalizeArchitecture, parsePlatform, platformFromEngineInfo } from './runtime/platform.js';
export { describeContainer, removeLeftoverContainers } from './runtime/remove-leftovers.js';
export type { ModuleRunEvents, ModuleRunRequest, ModuleRunResult } from './runtime/run-module.js';
export { runModuleCommand } from './runtime/run-module.js';
export type { SelectedVersion, VersionReason } from './runtime/select-version.js';
export { allowedSections, findCommand, parseModuleSpec, selectVersion } from './runtime/select-version.js';
export { checkExpression } from './selector/check-expression.js';
export { asVersion, compareLabelValues, compareVersions, satisfiesRange } from './selector/compare.js';
export { formatExpression, formatRequirement } from './selector/format-requirement.js';
export { checkLabelKey, isLabelKey } from './selector/label-key.js';
export { matchExpression, matchesRequirement } from './selector/match.js';
export { normalizeOperator, OPERATOR_SPELLINGS, OPERATORS } from './selector/operators.js';
export { parseSelector, SelectorSyntaxError } from './selector/parse-selector.js';
export type { StateChangeInput, StateChangeReport } from './state/check-state-change.js';
export { changedPaths, changedTopLevelKeys, checkStateChange } from './state/check-state-change.js';
export type { InstalledRecord, InstalledRecordInput, StateSource } from './state/installed-records.js';
export { getInstalled, readInstalled, removeInstalled, setInstalled } from './state/installed-records.js';
export { parseDuration } from './state/parse-duration.js';
export { stateDiff } from './state/state-diff.js';
export type { StateData, StateParse } from './state/state-file.js';
export { parseStateText, renderStateText } from './state/state-file.js';
export type { HistoryEntry, HistoryOutcome, NewHistoryEntry } from './state/state-history.js';
export { appendHistory, listHistory, readHistoryEntry } from './state/state-history.js';
export type { HolderLiveness, LockHolder, StateLock, StateLockOptions, UnlockResult } from './state/state-lock.js';
export { acquireStateLock, describeHolder, holderLiveness, readStateLock, unlockState } from './state/state-lock.js';
export type { StatePaths } from './state/state-paths.js';
export { statePaths } from './state/state-paths.js';
export type { RollbackOptions, RollbackResult } from './state/state-rollback.js';
export { rollbackState, stateAtRevision } from './state/state-rollback.js';
export type { StateRun, StateRunEnd, StateRunInfo, StateRunResult } from './state/state-run.js';
export { beginStateRun, recoverInterruptedRun } from './state/state-run.js';
export type { LoadedState } from './state/state-store.js';
export { loadState, readStateText, saveState, writeStateText } from './state/state-store.js';
export type { WithStateLockOptions } from './state/with-state-lock.js';
export { withStateLock } from './state/with-state-lock.js';
