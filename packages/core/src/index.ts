// Everything @e/core offers. Commands import the lighter subpath entries (@e/core/runtime, /state,
// /resolve, /repository, /selector, /terminal, /errors) so they load only what they use.
export {
  BASE_IMAGE,
  baseImageRef,
  CONTENT_HASH_LABEL,
  DEFAULT_REGISTRY,
  registryFromEnv,
} from './author/base-image.js';
export type {
  BuildEvent,
  BuildModuleOptions,
  ModuleBuild,
  PlatformBuild,
  VersionBuild,
} from './author/build-module.js';
export { BUNDLE_PATH, buildModule, DEFAULT_PLATFORMS, platformSuffix } from './author/build-module.js';
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
export type { ModuleProject } from './author/module-project.js';
export { DEFAULT_DOCKERFILE, imageReferences, moduleNamespace, readModuleProject } from './author/module-project.js';
export type { ModuleSource } from './author/module-source.js';
export { findModuleSource, readModuleSource } from './author/module-source.js';
export type { PlatformTag, PublishedImage } from './author/publish-image.js';
export { indexManifest, publishMultiArch } from './author/publish-image.js';
export { repositorySections } from './author/repository-sections.js';
export type { Scaffold, ScaffoldOptions, ScaffoldTemplate } from './author/scaffold-module.js';
export { checkModuleName, SCAFFOLD_TEMPLATES, scaffoldModule } from './author/scaffold-module.js';
export { enclosingECheckout, moduleSdkVersion } from './author/sdk-package.js';
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
export * from './repository/index.js';
export * from './resolve/index.js';
export * from './run/index.js';
export * from './runtime/index.js';
export * from './selector/index.js';
export * from './state/index.js';
export * from './terminal/index.js';
