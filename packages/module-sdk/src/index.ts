export type {
  AuditResult,
  BaseContext,
  CommandResult,
  ConfiguredContext,
  Effects,
  InitResult,
  ModuleDefinition,
  PlanResult,
  RemoteFiles,
  StateData,
  Status,
} from './define-module.js';
export { defineModule } from './define-module.js';
export { type Change, diffEffects, diffFiles, diffValues, formatChange } from './diff-values.js';
export { isModuleError, ModuleError } from './errors.js';
export {
  type InfrastructureConfig,
  type InfrastructureNodeRecord,
  type InfrastructureOptions,
  type InfrastructureSection,
  infrastructureConfigSchema,
  infrastructureModule,
  infrastructureSectionSchema,
} from './infrastructure-module.js';
export {
  type Address,
  claimNodes,
  type InfraNode,
  infrastructures,
  isInfrastructureSection,
  nodesUsedBy,
  pickUnusedNodes,
} from './infrastructure-nodes.js';
export type { Labels, LabelValue, MatchExpression, ModuleMetadata, Operator, Requirement } from './metadata.js';
export { metadataToYaml } from './metadata.js';
export { EXIT, main, RESERVED_STATE_KEY, type RunOptions, runModule } from './run-module.js';
export { statusSchema } from './status.js';
export { appliesTo, steps, type TestCase, type TestStep, testCaseSchema } from './test-cases/case-format.js';
export { type CaseProblem, formatCaseProblem } from './test-cases/case-problems.js';
export {
  CaseFileError,
  type CaseOptions,
  checkCase,
  type LoadedCase,
  loadCases,
  parseCase,
} from './test-cases/load-cases.js';
export { matchSubset } from './test-cases/match-subset.js';
export { type CaseOutcome, type CaseRunner, prepareShared, type RunnerResult, runCase } from './test-cases/run-case.js';
