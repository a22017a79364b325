/*
 * `@e/core/repository`: the repository file alone (reading, validation, model, look-ups), for
 * commands that need nothing else; it does not load the state, runtime or resolver code (only
 * the runtime's access defaults, a constant, so that `e repo show` can say what a module may do).
 */
export { EError, isEError, RepositoryError } from '../errors.js';
export type { RunAccess } from '../runtime/container-runtime.js';
export { DEFAULT_ACCESS, runAccess } from '../runtime/run-access.js';
export { CAPABILITY_SPELLINGS, LINUX_CAPABILITIES } from './capabilities.js';
export { didYouMean } from './did-you-mean.js';
export type { EConfig } from './e-config.js';
export { E_CONFIG_FILE, ENGINE_URL, eConfigJsonSchema, eConfigPath, loadEConfig, parseEConfig } from './e-config.js';
export { defaultVersion, findComponent, findVersion, sortedVersions } from './find-module.js';
export type { ImageReference } from './image-reference.js';
export { checkImageReference, parseImageReference } from './image-reference.js';
export { InvalidRepositoryError, loadRepository, readRepositorySource } from './load-repository.js';
export { formatMemorySize, MIN_MEMORY_BYTES, parseMemorySize } from './memory-size.js';
export type {
  Component,
  Labels,
  LabelValue,
  MatchExpression,
  ModuleCommand,
  ModuleRequirements,
  ModuleVersion,
  Operator,
  Repository,
  RequiredFile,
  RequiredImage,
  RequiredPackage,
  Requirement,
} from './model.js';
export { REQUIRED_COMMANDS, RESERVED_STATE_KEY } from './model.js';
export type { ParseResult } from './parse-repository.js';
export { parseRepository } from './parse-repository.js';
export type { Problem } from './problem.js';
export { formatProblem } from './problem.js';
export { ARCHITECTURES, repositoryJsonSchema } from './schema.js';
