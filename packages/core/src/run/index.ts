/*
 * `@e/core/run`: running modules isolated (prepare → stage → execute → merge → record), one command
 * or a batch under one hold of the state lock, for the commands that run containers.
 */
export { EError, isEError, ResolutionError, RuntimeError } from '../errors.js';
export type {
  InstallCommand,
  PlanAllOutcome,
  RunContext,
  RunStepsResult,
  StepEvents,
  StepOutcome,
  UpgradeOptions,
} from './install-steps.js';
export {
  INSTALL_COMMANDS,
  installStep,
  planAll,
  planInfluenced,
  runCommand,
  runSteps,
  schedule,
  writableNames,
} from './install-steps.js';
export { ownsPath } from './merge.js';
export type { PreparedRun, PrepareRequest } from './prepare.js';
export { prepareRun } from './prepare.js';
export type { ProposedChange, SectionChanges } from './proposed-changes.js';
export { bySection, planFilePath } from './proposed-changes.js';
export type { ModuleRunEvents, ModuleRunRequest, ModuleRunResult } from './run-module.js';
export { runModuleCommand, runPrepared } from './run-module.js';
export type { RunSession, RunSessionOptions } from './session.js';
export { withRunSession } from './session.js';
export { INPUTS_DIR } from './stage.js';
