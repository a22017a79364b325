export { ArchiveError, EError, isEError, RepositoryError, ResolutionError, RuntimeError, SelectorError, StateError } from './errors.js';
