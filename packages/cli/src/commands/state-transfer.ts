import { resolve } from 'node:path';
import { readSnapshot, removeBackendMarker, type Snapshot, StateError, writeSnapshot } from '@e/core/backend';
import { parseDuration, withStateLock } from '@e/core/state';
import type { GlobalOptions } from '../cli.js';
import { emit } from '../output.js';
import { openStateBackend } from '../state-backend.js';
import { notice } from './state-render.js';

export interface StateTransferOptions extends GlobalOptions {
  /** --state or E_STATE_URL (state-backend.ts stateUrlOf). */
  stateUrl: string | undefined;
  force: boolean;
  lockTimeout: string;
}

/**
 * `e state push --state URL`: the shared directory's state (state.yml, the modules' files, the
 * history with e's records) becomes the environment's, under both locks. A non-empty environment
 * is only replaced with --force.
 */
export async function statePush(options: StateTransferOptions): Promise<void> {
  const url = needUrl(options.stateUrl, 'push');
  const shared = resolve(options.shared);
  const command = `e state push --env ${options.env}`;
  const timeoutMs = parseDuration(options.lockTimeout);
  const backend = await openStateBackend(url, options.env);
  const result = await withStateLock(shared, { command, timeoutMs, onNotice: notice }, async () => {
    const snapshot = await readSnapshot(shared);
    if (snapshot.size === 0) {
      throw new StateError('E_STATE_NOTHING', `The shared directory ${shared} holds no state to push.`, {
        hint: 'Pass the directory that holds state.yml with --shared DIR.',
      });
    }
    return backend.replace(snapshot, { command, timeoutMs, onNotice: notice, force: options.force });
  });
  const counts = count(result.snapshot);
  emit(options.output, { pushed: true, from: shared, to: backend.label, version: result.version, ...counts }, () =>
    [
      `Pushed the state of ${shared} to ${backend.label} (version ${result.version}):`,
      `state.yml, ${counts.historyEntries} history entries, ${counts.moduleFiles} module files.`,
      `Use it with --state ${backend.target.display} --env ${options.env} (or E_STATE_URL and E_ENV).`,
    ].join('\n'),
  );
}

/**
 * `e state pull --state URL`: the environment's state becomes the shared directory's, a plain local
 * state again (not a working copy). A directory that holds a state is only replaced with --force.
 */
export async function statePull(options: StateTransferOptions): Promise<void> {
  const url = needUrl(options.stateUrl, 'pull');
  const shared = resolve(options.shared);
  const command = `e state pull --env ${options.env}`;
  const backend = await openStateBackend(url, options.env);
  const canonical = await backend.readCanonical();
  if (canonical.snapshot.size === 0) {
    throw new StateError('E_STATE_NOTHING', `${backend.label} holds no state to pull.`, {
      hint: 'Check --env (e state push puts a local state there).',
    });
  }
  const timeoutMs = parseDuration(options.lockTimeout);
  await withStateLock(shared, { command, timeoutMs, onNotice: notice }, async () => {
    const local = await readSnapshot(shared);
    if (local.size > 0 && !options.force) {
      throw new StateError(
        'E_STATE_TARGET_NOT_EMPTY',
        `The shared directory ${shared} already holds a state (${local.size} files), so e did not overwrite it.`,
        { hint: 'Pass --force to replace it, or pull into an empty directory with --shared DIR.' },
      );
    }
    await writeSnapshot(shared, canonical.snapshot);
    await removeBackendMarker(shared);
  });
  const counts = count(canonical.snapshot);
  emit(options.output, { pulled: true, from: backend.label, to: shared, version: canonical.version, ...counts }, () =>
    [
      `Pulled ${backend.label} (version ${canonical.version}) into ${shared}:`,
      `state.yml, ${counts.historyEntries} history entries, ${counts.moduleFiles} module files.`,
    ].join('\n'),
  );
}

function needUrl(url: string | undefined, verb: 'push' | 'pull'): string {
  if (url !== undefined) return url;
  throw new StateError(
    'E_STATE_URL_MISSING',
    `e state ${verb} needs the PostgreSQL state to ${verb === 'push' ? 'push to' : 'pull from'}.`,
    {
      hint: `Pass --state postgres://USER@HOST:PORT/DATABASE (or set E_STATE_URL): e state ${verb} --state postgres://e@db:5432/e.`,
    },
  );
}

function count(snapshot: Snapshot): { historyEntries: number; moduleFiles: number } {
  let historyEntries = 0;
  let moduleFiles = 0;
  for (const path of snapshot.keys()) {
    if (path.startsWith('.e/history/')) historyEntries += 1;
    else if (path !== 'state.yml') moduleFiles += 1;
  }
  return { historyEntries, moduleFiles };
}
