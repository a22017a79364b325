/*
 * `@e/core/runtime`: running one module command in its container (engine access, images, the
 * guarded run), for commands that need nothing else; it does not load the resolver, the author
 * tools or the module SDK.
 */
export { EError, isEError, RuntimeError } from '../errors.js';
export type { ModuleRunEvents, ModuleRunRequest, ModuleRunResult } from '../run/run-module.js';
export { runModuleCommand } from '../run/run-module.js';
export type { ImageChoice } from './check-platform.js';
export { checkPulledArchitecture, checkRegistryPlatforms, chooseImage } from './check-platform.js';
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
} from './container-runtime.js';
export { failedBeforeStart, markNotStarted } from './container-runtime.js';
export { createDockerBuilder } from './dockerode-builder.js';
export { createDockerRuntime } from './dockerode-runtime.js';
export { describeEndpoint, engineError } from './engine-error.js';
export type { EnsureImageOptions, PullPolicy, ResolvedImage } from './ensure-image.js';
export { ensureImage } from './ensure-image.js';
export type { BuildSpec, ImageBuilder, LocalImage } from './image-builder.js';
export { LABELS, MANAGED_BY_VALUE, runLabels } from './labels.js';
export { LinePrefixer, OutputTail } from './line-prefixer.js';
export type { SavedPlan } from './plan-file.js';
export { PLAN_FORMAT, readPlanFile, sha256OrNull, stalePlanReasons, writePlanFile } from './plan-file.js';
export type { Platform } from './platform.js';
export { formatPlatform, normalizeArchitecture, parsePlatform, platformFromEngineInfo } from './platform.js';
export type { CleanLeftoversOptions, LeftoverCleanup } from './remove-leftovers.js';
export {
  cleanLeftoverContainers,
  describeContainer,
  findForeignContainers,
} from './remove-leftovers.js';
export type { SelectedVersion, VersionReason } from './select-version.js';
export { allowedSections, findCommand, parseModuleSpec, selectVersion } from './select-version.js';
