/*
 * `@e/core/state`: state.yml, e's installed records, the lock and the history, for commands that
 * need nothing else; it does not load the runtime, the resolver or the author tools.
 */
export { EError, isEError, StateError } from '../errors.js';
export type { StateChangeInput, StateChangeReport } from './check-state-change.js';
export { changedPaths, changedTopLevelKeys, checkStateChange } from './check-state-change.js';
export type { InstalledRecord, InstalledRecordInput, StateSource } from './installed-records.js';
export { getInstalled, readInstalled, removeInstalled, setInstalled } from './installed-records.js';
export { parseDuration } from './parse-duration.js';
export type { BackendHold, StateBackend } from './state-backend.js';
export { stateBackendFor, useStateBackend } from './state-backend.js';
export { stateDiff } from './state-diff.js';
export type { StateData, StateParse } from './state-file.js';
export { parseStateText, renderStateText } from './state-file.js';
export type { AppendHistoryOptions, HistoryEntry, HistoryOutcome, NewHistoryEntry } from './state-history.js';
export {
  appendHistory,
  DEFAULT_HISTORY_LIMIT,
  historyLimit,
  listHistory,
  readHistoryEntry,
} from './state-history.js';
export type { HolderLiveness, LockHolder, StateLock, StateLockOptions, UnlockResult } from './state-lock.js';
export { acquireStateLock, describeHolder, holderLiveness, readStateLock, unlockState } from './state-lock.js';
export type { StatePaths } from './state-paths.js';
export { statePaths } from './state-paths.js';
export type { RollbackOptions, RollbackResult } from './state-rollback.js';
export { oldestRevision, rollbackState, stateAtRevision } from './state-rollback.js';
export type { LoadedState } from './state-store.js';
export { loadInstalled, loadState, readStateText, saveState, writeStateText } from './state-store.js';
export type { WithStateLockOptions } from './with-state-lock.js';
export { withStateLock } from './with-state-lock.js';
