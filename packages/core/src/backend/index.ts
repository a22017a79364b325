/*
 * `@e/core/backend`: where the state lives when it is not the shared directory itself. The
 * PostgreSQL client (`pg`) is loaded only when a backend connects.
 */
export { StateError } from '../errors.js';
export type { BackendHold, StateBackend } from '../state/state-backend.js';
export { stateBackendFor, useStateBackend } from '../state/state-backend.js';
export type { CanonicalState, PostgresHolder, PostgresUnlockResult } from './postgres.js';
export { PostgresStateBackend, removeBackendMarker } from './postgres.js';
export type { PostgresTarget } from './target.js';
export { checkEnvName, isPostgresUrl, parsePostgresTarget } from './target.js';
export type { Snapshot, SnapshotChanges, SnapshotFile } from './working-copy.js';
export {
  BACKEND_MARKER,
  isSnapshotPath,
  readSnapshot,
  snapshotChanges,
  snapshotDigest,
  writeSnapshot,
} from './working-copy.js';
