import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import type { Client, ClientConfig } from 'pg';
import { isEError, StateError } from '../errors.js';
import { trustDeferredExtraCaCerts } from '../extra-ca-certs.js';
import { readInstalled } from '../state/installed-records.js';
import type { BackendHold, StateBackend } from '../state/state-backend.js';
import { parseStateText } from '../state/state-file.js';
import { describeHolder, formatMs, type LockHolder, type StateLockOptions } from '../state/state-lock.js';
import { type PostgresTarget, parsePostgresTarget } from './target.js';
import {
  BACKEND_MARKER,
  HISTORY_PREFIX,
  readSnapshot,
  type Snapshot,
  type SnapshotFile,
  STATE_FILE,
  snapshotChanges,
  writeSnapshot,
} from './working-copy.js';

/** The canonical state of one environment as read in one transaction. */
export interface CanonicalState {
  /** 0 when the environment has never been written. */
  version: number;
  snapshot: Snapshot;
}

/** Who holds an environment's lock: the holder row plus the PostgreSQL session holding the advisory lock. */
export interface PostgresHolder extends LockHolder {
  user: string;
  /** The server process id of the holder's session (what --force ends). */
  backendPid: number | null;
}

export interface PostgresUnlockResult {
  /** The holder whose lock was removed (undefined: the environment was not locked). */
  removed: PostgresHolder | undefined;
  /** True when the holder's session was ended (pg_terminate_backend). */
  terminated: boolean;
}

const LOCK_CLASS = 'e-state';
const POLL_MIN_MS = 50;
const POLL_MAX_MS = 1000;
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * The state of one environment in PostgreSQL (see docs/state.md, "State backends"): tables in
 * the URL's schema (`environments`, `files`, `history`, `lock_holders`); the lock is a session
 * advisory lock on a dedicated connection plus a holder row; writes are compare-and-set on the
 * environment's version.
 */
export class PostgresStateBackend implements StateBackend {
  readonly target: PostgresTarget;
  readonly label: string;

  constructor(url: string, env: string) {
    this.target = parsePostgresTarget(url, env);
    this.label = `${this.target.display} (environment ${env})`;
  }

  /** A connection left open by refresh for the lock the same command may take next (saves a connect). */
  private spare: Client | undefined;

  async refresh(shared: string): Promise<void> {
    const client = await this.connect();
    const drop = () => {
      if (this.spare === client) this.spare = undefined;
    };
    client.on('error', drop);
    client.on('end', drop);
    try {
      await this.checkout(shared, await this.readOrFail(client));
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    // it must not keep a read-only command's process alive: the socket is unreferenced until used
    socketOf(client)?.unref();
    this.spare?.end().catch(() => undefined);
    this.spare = client;
  }

  async withLock<T>(shared: string, options: StateLockOptions, fn: (hold: BackendHold) => Promise<T>): Promise<T> {
    return this.underLock(options, async (client, holder, lost) => {
      const canonical = await this.readOrFail(client);
      await this.checkout(shared, canonical);
      // the working copy as fn finds it (hand edits included): what it returns to when nothing may be written
      const before = await readSnapshot(shared);
      const undo = () => writeSnapshot(shared, before).catch(() => undefined);
      let result: T | undefined;
      let failure: unknown;
      let failed = false;
      try {
        result = await fn({ lost });
      } catch (error) {
        failure = error;
        failed = true;
      }
      if (lost.aborted) {
        await undo(); // else the next command would take the refused merge for hand edits
        throw lost.reason;
      }
      // written back even when fn failed: what it recorded under the lock (a failed run's history) stays
      const after = await readSnapshot(shared);
      let version: number;
      try {
        version = await this.writeBack(client, canonical, after, holder.command);
      } catch (error) {
        await undo();
        throw error;
      }
      await this.mark(shared, version, after);
      if (failed) throw failure;
      return result as T;
    });
  }

  /** The canonical state, read in one transaction (empty when nothing was ever written). */
  async readCanonical(): Promise<CanonicalState> {
    return this.withClient((client) => this.read(client));
  }

  /**
   * `e state push`: makes the environment hold exactly `snapshot` (history included), under the
   * lock; a non-empty environment is only overwritten with `force`.
   */
  async replace(snapshot: Snapshot, options: StateLockOptions & { force?: boolean }): Promise<CanonicalState> {
    return this.underLock(options, async (client, holder) => {
      const canonical = await this.readOrFail(client);
      if (canonical.snapshot.size > 0 && !options.force) {
        throw new StateError(
          'E_STATE_TARGET_NOT_EMPTY',
          `${this.label} already holds a state (version ${canonical.version}, ${canonical.snapshot.size} files), so e did not overwrite it.`,
          { hint: 'Pass --force to replace it, or choose another --env.' },
        );
      }
      const version = await this.writeBack(client, canonical, snapshot, holder.command);
      return { version, snapshot };
    });
  }

  /**
   * Runs `fn` on a dedicated connection (never a pooled one) holding the environment's advisory
   * lock and its holder row. `lost` is aborted when that connection drops (the server ended the
   * session, the network went away): PostgreSQL has then released the lock. Errors of the
   * database are E_STATE_BACKEND; the lock and the row go however `fn` ends.
   */
  private async underLock<T>(
    options: StateLockOptions,
    fn: (client: Client, holder: PostgresHolder, lost: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const client = this.takeSpare() ?? (await this.connect());
    const lost = new AbortController();
    let releasing = false;
    const onLost = (error?: Error) => {
      if (releasing || lost.signal.aborted) return;
      lost.abort(
        new StateError(
          'E_STATE_LOCK_LOST',
          `The connection holding the state lock of ${this.label} was lost${error ? ` (${error.message})` : ''}, so nothing of this command was written to the state.`,
          { hint: 'Run the command again once the database answers; e state history shows what the state holds.' },
        ),
      );
    };
    client.on('error', onLost);
    client.on('end', () => onLost());
    try {
      const holder = await this.ensureSchema(client)
        .then(() => this.acquire(client, options))
        .catch((error: unknown) => {
          throw asBackendError(error, this.target.display);
        });
      try {
        return await fn(client, holder, lost.signal);
      } finally {
        releasing = true;
        if (!lost.signal.aborted) {
          await client
            .query(`DELETE FROM ${this.table('lock_holders')} WHERE env = $1 AND id = $2`, [this.target.env, holder.id])
            .catch(() => undefined);
          await client
            .query('SELECT pg_advisory_unlock(hashtext($1), hashtext($2))', this.lockKey())
            .catch(() => undefined);
        }
      }
    } finally {
      releasing = true;
      await client.end().catch(() => undefined);
    }
  }

  /**
   * Writes `after` as the environment's next version, if it is still at `base.version` (else the
   * write is refused with E_STATE_STALE and nothing is written). Returns the version now held.
   */
  async write(base: CanonicalState, after: Snapshot, by: string): Promise<number> {
    return this.withClient(async (client) => {
      await this.ensureSchema(client);
      return this.writeBack(client, base, after, by);
    });
  }

  /** The holder of the environment's lock, or undefined when it is free. */
  async holder(): Promise<PostgresHolder | undefined> {
    return this.withClient(async (client) => {
      await this.ensureSchema(client);
      const pid = await this.lockSessionPid(client);
      if (pid === undefined) return undefined;
      return (await this.holderRow(client)) ?? unknownHolder(pid);
    });
  }

  /**
   * `e state unlock`: a free lock with a leftover holder row loses the row; a held one is reported
   * (E_STATE_LOCK_HELD) unless `force`, which ends the holder's session so PostgreSQL releases it.
   */
  async unlock(options: { force?: boolean } = {}): Promise<PostgresUnlockResult> {
    return this.withClient(async (client) => {
      await this.ensureSchema(client);
      const pid = await this.lockSessionPid(client);
      const row = await this.holderRow(client);
      if (pid === undefined) {
        if (row !== undefined) {
          await client.query(`DELETE FROM ${this.table('lock_holders')} WHERE env = $1`, [this.target.env]);
        }
        return { removed: undefined, terminated: false };
      }
      const holder = row ?? unknownHolder(pid);
      if (!options.force) {
        throw new StateError(
          'E_STATE_LOCK_HELD',
          `The state is locked by ${describeHolder(holder)}, and its session ${pid} is still connected to ${this.target.display}.`,
          {
            hint: 'Make sure that e command is gone or may be stopped, then run e state unlock --force (it ends that session).',
          },
        );
      }
      const ended = await client.query<{ ok: boolean }>('SELECT pg_terminate_backend($1) AS ok', [pid]);
      if (ended.rows[0]?.ok !== true) {
        throw new StateError(
          'E_STATE_LOCK_HELD',
          `PostgreSQL did not end session ${pid}, which holds the state lock of ${this.label}.`,
          {
            hint: 'Connect as a user allowed to end it (the same user, or a superuser), or end it with pg_terminate_backend.',
          },
        );
      }
      for (let waited = 0; waited < 10_000 && (await this.lockSessionPid(client)) === pid; waited += 100) {
        await sleep(100);
      }
      await client.query(`DELETE FROM ${this.table('lock_holders')} WHERE env = $1`, [this.target.env]);
      return { removed: holder, terminated: true };
    });
  }

  // --- connection, schema, lock ---------------------------------------------------------------

  private async connect(): Promise<Client> {
    const { default: pg } = await import('pg');
    trustDeferredExtraCaCerts(); // for a server that asks for TLS (sslmode)
    const config: ClientConfig = {
      connectionString: this.target.connectionString,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      keepAlive: true,
      application_name: 'e',
    };
    const client = new pg.Client(config);
    try {
      await client.connect();
    } catch (error) {
      client.end().catch(() => undefined);
      throw new StateError(
        'E_STATE_BACKEND',
        `Cannot connect to the state backend ${this.target.display}: ${(error as Error).message || String(error)}.`,
        {
          hint: 'Check --state (or E_STATE_URL, e.yml) and that the database answers; e doctor checks it.',
          cause: error,
        },
      );
    }
    return client;
  }

  private takeSpare(): Client | undefined {
    const client = this.spare;
    this.spare = undefined;
    if (client === undefined) return undefined;
    client.removeAllListeners('error');
    client.removeAllListeners('end');
    socketOf(client)?.ref();
    return client;
  }

  private async withClient<T>(fn: (client: Client) => Promise<T>): Promise<T> {
    const client = await this.connect();
    client.on('error', () => undefined); // reported by the query that fails
    try {
      return await fn(client).catch((error: unknown) => {
        throw asBackendError(error, this.target.display);
      });
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  private table(name: string): string {
    return `"${this.target.schema}".${name}`;
  }

  private lockKey(): [string, string] {
    return [LOCK_CLASS, `${this.target.schema}/${this.target.env}`];
  }

  private async ensureSchema(client: Client): Promise<void> {
    const exists = await client.query<{ ok: string | null }>('SELECT to_regclass($1) AS ok', [
      `"${this.target.schema}".lock_holders`,
    ]);
    if (exists.rows[0]?.ok) return;
    const s = `"${this.target.schema}"`;
    await client.query('BEGIN');
    try {
      // two first users must not both create the tables
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['e-schema']);
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
      await client.query(`CREATE TABLE IF NOT EXISTS ${s}.environments (
        name text PRIMARY KEY,
        version bigint NOT NULL,
        state_text text,
        state_mode integer NOT NULL DEFAULT 420,
        installed jsonb,
        updated_at timestamptz NOT NULL DEFAULT now(),
        updated_by text NOT NULL DEFAULT '')`);
      await client.query(`CREATE TABLE IF NOT EXISTS ${s}.files (
        env text NOT NULL REFERENCES ${s}.environments(name) ON DELETE CASCADE,
        path text NOT NULL,
        mode integer NOT NULL,
        content bytea NOT NULL,
        PRIMARY KEY (env, path))`);
      await client.query(`CREATE TABLE IF NOT EXISTS ${s}.history (
        env text NOT NULL REFERENCES ${s}.environments(name) ON DELETE CASCADE,
        name text NOT NULL,
        mode integer NOT NULL,
        content text NOT NULL,
        PRIMARY KEY (env, name))`);
      await client.query(`CREATE TABLE IF NOT EXISTS ${s}.lock_holders (
        env text PRIMARY KEY,
        id text NOT NULL,
        pid integer NOT NULL,
        host text NOT NULL,
        os_user text NOT NULL,
        command text NOT NULL,
        since timestamptz NOT NULL,
        backend_pid integer NOT NULL)`);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw asBackendError(error, this.target.display);
    }
  }

  /** Takes the advisory lock (waiting up to timeoutMs, as the local lock) and writes the holder row. */
  private async acquire(client: Client, options: StateLockOptions): Promise<PostgresHolder> {
    const timeoutMs = options.timeoutMs ?? 0;
    const deadline = Date.now() + timeoutMs;
    let pause = POLL_MIN_MS;
    let announced = false;
    for (;;) {
      const got = await client.query<{ got: boolean }>(
        'SELECT pg_try_advisory_lock(hashtext($1), hashtext($2)) AS got',
        this.lockKey(),
      );
      if (got.rows[0]?.got === true) break;
      const holder = await this.holderRow(client);
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        const who = holder === undefined ? `another e session on ${this.target.display}` : describeHolder(holder);
        const waited = timeoutMs > 0 ? ` after waiting ${formatMs(timeoutMs)}` : '';
        throw new StateError('E_STATE_LOCKED', `The state is locked by ${who}${waited}.`, {
          hint: 'Wait for it to finish or retry with --lock-timeout 60s; if that process is gone, run e state unlock.',
        });
      }
      if (!announced && holder !== undefined) {
        options.onNotice?.(
          `Waiting up to ${formatMs(timeoutMs)} for the state lock held by ${describeHolder(holder)}.`,
        );
        announced = true;
      }
      await sleep(Math.min(pause, remaining));
      pause = Math.min(pause * 2, POLL_MAX_MS);
    }
    const holder: PostgresHolder = {
      pid: process.pid,
      host: hostname(),
      user: currentUser(),
      command: options.command,
      startedAt: new Date().toISOString(),
      id: `${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`,
      backendPid: null,
    };
    const row = await client.query<{ backend_pid: number }>(
      `INSERT INTO ${this.table('lock_holders')} (env, id, pid, host, os_user, command, since, backend_pid)
       VALUES ($1, $2, $3, $4, $5, $6, $7, pg_backend_pid())
       ON CONFLICT (env) DO UPDATE SET id = EXCLUDED.id, pid = EXCLUDED.pid, host = EXCLUDED.host,
         os_user = EXCLUDED.os_user, command = EXCLUDED.command, since = EXCLUDED.since, backend_pid = EXCLUDED.backend_pid
       RETURNING backend_pid`,
      [this.target.env, holder.id, holder.pid, holder.host, holder.user, holder.command, holder.startedAt],
    );
    holder.backendPid = row.rows[0]?.backend_pid ?? null;
    return holder;
  }

  /** The server pid of the session holding this environment's advisory lock. */
  private async lockSessionPid(client: Client): Promise<number | undefined> {
    const rows = await client.query<{ pid: number }>(
      `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 2
         AND classid = hashtext($1)::oid AND objid = hashtext($2)::oid AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      this.lockKey(),
    );
    return rows.rows[0]?.pid;
  }

  private async holderRow(client: Client): Promise<PostgresHolder | undefined> {
    const rows = await client.query<{
      id: string;
      pid: number;
      host: string;
      os_user: string;
      command: string;
      since: Date;
      backend_pid: number;
    }>(`SELECT id, pid, host, os_user, command, since, backend_pid FROM ${this.table('lock_holders')} WHERE env = $1`, [
      this.target.env,
    ]);
    const row = rows.rows[0];
    if (row === undefined) return undefined;
    return {
      id: row.id,
      pid: row.pid,
      host: row.host,
      user: row.os_user,
      command: row.command,
      startedAt: row.since.toISOString(),
      backendPid: row.backend_pid,
    };
  }

  // --- reading and writing the state ----------------------------------------------------------

  private readOrFail(client: Client): Promise<CanonicalState> {
    return this.read(client).catch((error: unknown) => {
      throw asBackendError(error, this.target.display);
    });
  }

  /** One statement (one round trip, one consistent snapshot): the head row, the files, the history. */
  private async read(client: Client): Promise<CanonicalState> {
    const env = this.target.env;
    let rows: { kind: string; name: string | null; version: string | null; mode: number; content: Buffer | null }[];
    try {
      rows = (
        await client.query(
          `SELECT 'head' AS kind, NULL AS name, version::text AS version, state_mode AS mode,
                  convert_to(state_text, 'UTF8') AS content
             FROM ${this.table('environments')} WHERE name = $1
           UNION ALL
           SELECT 'file', path, NULL, mode, content FROM ${this.table('files')} WHERE env = $1
           UNION ALL
           SELECT 'history', name, NULL, mode, convert_to(content, 'UTF8') FROM ${this.table('history')} WHERE env = $1`,
          [env],
        )
      ).rows;
    } catch (error) {
      // never written: the schema or the tables do not exist yet
      const code = (error as { code?: string }).code;
      if (code === '42P01' || code === '3F000') return { version: 0, snapshot: new Map() };
      throw error;
    }
    const snapshot: Snapshot = new Map();
    let version = 0;
    for (const row of rows) {
      if (row.kind === 'head') {
        version = Number(row.version);
        if (row.content !== null) snapshot.set(STATE_FILE, { data: row.content, mode: row.mode });
      } else if (row.name !== null && row.content !== null) {
        const path = row.kind === 'history' ? `${HISTORY_PREFIX}${row.name}` : row.name;
        snapshot.set(path, { data: row.content, mode: row.mode });
      }
    }
    return { version, snapshot };
  }

  private async writeBack(client: Client, base: CanonicalState, after: Snapshot, by: string): Promise<number> {
    const { upserts, deletes } = snapshotChanges(base.snapshot, after);
    if (upserts.size === 0 && deletes.length === 0) return base.version;
    const env = this.target.env;
    const state = after.get(STATE_FILE);
    const stateText = state === undefined ? null : state.data.toString('utf8');
    const args = [env, stateText, state?.mode ?? 0o644, installedJson(stateText), by];
    await client.query('BEGIN');
    try {
      const written =
        base.version === 0
          ? await client.query(
              `INSERT INTO ${this.table('environments')} (name, version, state_text, state_mode, installed, updated_by)
               VALUES ($1, 1, $2, $3, $4, $5) ON CONFLICT (name) DO NOTHING`,
              args,
            )
          : await client.query(
              `UPDATE ${this.table('environments')} SET version = version + 1, state_text = $2, state_mode = $3,
                 installed = $4, updated_at = now(), updated_by = $5 WHERE name = $1 AND version = $6`,
              [...args, base.version],
            );
      if (written.rowCount !== 1) {
        const now = await client.query<{ version: string }>(
          `SELECT version FROM ${this.table('environments')} WHERE name = $1`,
          [env],
        );
        throw new StateError(
          'E_STATE_STALE',
          `The state in ${this.label} changed since this command read it (version ${base.version}, now ${now.rows[0]?.version ?? 'removed'}), so nothing of this command was written.`,
          { hint: 'Run the command again: it starts from the current state.' },
        );
      }
      for (const [path, file] of upserts) {
        if (path === STATE_FILE) continue;
        if (path.startsWith(HISTORY_PREFIX)) {
          await client.query(
            `INSERT INTO ${this.table('history')} (env, name, mode, content) VALUES ($1, $2, $3, $4)
             ON CONFLICT (env, name) DO UPDATE SET mode = EXCLUDED.mode, content = EXCLUDED.content`,
            [env, path.slice(HISTORY_PREFIX.length), file.mode, file.data.toString('utf8')],
          );
        } else {
          await client.query(
            `INSERT INTO ${this.table('files')} (env, path, mode, content) VALUES ($1, $2, $3, $4)
             ON CONFLICT (env, path) DO UPDATE SET mode = EXCLUDED.mode, content = EXCLUDED.content`,
            [env, path, file.mode, file.data],
          );
        }
      }
      const history = deletes
        .filter((path) => path.startsWith(HISTORY_PREFIX))
        .map((p) => p.slice(HISTORY_PREFIX.length));
      const files = deletes.filter((path) => path !== STATE_FILE && !path.startsWith(HISTORY_PREFIX));
      if (history.length > 0) {
        await client.query(`DELETE FROM ${this.table('history')} WHERE env = $1 AND name = ANY($2)`, [env, history]);
      }
      if (files.length > 0) {
        await client.query(`DELETE FROM ${this.table('files')} WHERE env = $1 AND path = ANY($2)`, [env, files]);
      }
      await client.query('COMMIT');
      return base.version + 1;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw asBackendError(error, this.target.display);
    }
  }

  /**
   * Makes `shared` a working copy of `canonical`. A directory that holds a local state (or a
   * working copy of another backend or environment) is refused, never overwritten. Edits made in
   * the working copy by hand since the last checkout are kept while the environment has not moved
   * on (the next command that takes the lock writes them back); when it has, they are refused.
   */
  private async checkout(shared: string, canonical: CanonicalState): Promise<void> {
    const marker = await readMarker(shared);
    const local = await readSnapshot(shared);
    const mine = marker?.state === this.target.display && marker.env === this.target.env;
    if (!mine && local.size > 0) {
      const what =
        marker === undefined ? 'a local state' : `a working copy of ${marker.state} (environment ${marker.env})`;
      throw new StateError(
        'E_STATE_WORKDIR_IN_USE',
        `The shared directory ${shared} holds ${what}, so e did not replace it with ${this.label}.`,
        {
          hint: 'Use another --shared directory for this state, or move the local one there with e state push --state URL.',
        },
      );
    }
    if (mine && marker.version === canonical.version) return; // up to date, hand edits included
    const edited = mine ? editedPaths(marker, local) : [];
    if (edited.length > 0) {
      throw new StateError(
        'E_STATE_WORKDIR_CHANGED',
        `The working copy ${shared} has edits of its own (${edited.slice(0, 5).join(', ')}${edited.length > 5 ? ', …' : ''}) and ${this.label} moved on from version ${marker?.version} to ${canonical.version} since, so e did not overwrite them.`,
        { hint: 'Copy the edits aside, remove the working copy (e fills it again), then make them again.' },
      );
    }
    await writeSnapshot(shared, canonical.snapshot);
    await this.mark(shared, canonical.version, canonical.snapshot);
  }

  private async mark(shared: string, version: number, snapshot: Snapshot): Promise<void> {
    const marker: WorkingCopyMarker = {
      state: this.target.display,
      env: this.target.env,
      version,
      files: Object.fromEntries([...snapshot].map(([path, file]) => [path, fileDigest(file)])),
    };
    await mkdir(join(shared, '.e'), { recursive: true });
    await writeFile(join(shared, ...BACKEND_MARKER.split('/')), `${JSON.stringify(marker)}\n`);
  }
}

/** `.e/backend.json`: what a working copy mirrors, and the version and content it was filled with. */
interface WorkingCopyMarker {
  state: string;
  env: string;
  version: number;
  /** sha256 (and mode) of each file as it was filled in or written back. */
  files: Record<string, string>;
}

async function readMarker(shared: string): Promise<WorkingCopyMarker | undefined> {
  try {
    const value = JSON.parse(await readFile(join(shared, ...BACKEND_MARKER.split('/')), 'utf8')) as WorkingCopyMarker;
    const ok = typeof value.state === 'string' && typeof value.env === 'string' && typeof value.files === 'object';
    return ok ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The paths of `local` that differ from what the working copy was filled with. */
function editedPaths(marker: WorkingCopyMarker, local: Snapshot): string[] {
  const edited = [...local].filter(([path, file]) => marker.files[path] !== fileDigest(file)).map(([path]) => path);
  return [...edited, ...Object.keys(marker.files).filter((path) => !local.has(path))];
}

function fileDigest(file: SnapshotFile): string {
  return `${file.mode.toString(8)}:${createHash('sha256').update(file.data).digest('hex')}`;
}

function installedJson(stateText: string | null): string | null {
  if (stateText === null) return null;
  try {
    const parsed = parseStateText(stateText);
    if (!parsed.ok) return null;
    return JSON.stringify(readInstalled({ doc: parsed.doc, text: stateText, path: STATE_FILE }));
  } catch {
    return null;
  }
}

function asBackendError(error: unknown, display: string): unknown {
  if (isEError(error)) return error;
  const message = (error as Error)?.message ?? String(error);
  return new StateError('E_STATE_BACKEND', `The state backend ${display} failed: ${message}.`, {
    hint: 'Check that the database answers and that its user may create and write tables in the schema.',
    cause: error,
  });
}

function unknownHolder(backendPid: number): PostgresHolder {
  return {
    pid: 0,
    host: '?',
    user: '?',
    command: `PostgreSQL session ${backendPid}`,
    startedAt: '?',
    id: '',
    backendPid,
  };
}

/** The socket under a pg Client (not in its types), to (un)reference it. */
function socketOf(client: Client): { ref(): void; unref(): void } | undefined {
  return (client as unknown as { connection?: { stream?: { ref(): void; unref(): void } } }).connection?.stream;
}

function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? '?';
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Removes the mark that makes `shared` a backend's working copy (after e state pull). */
export async function removeBackendMarker(shared: string): Promise<void> {
  await rm(join(shared, ...BACKEND_MARKER.split('/')), { force: true });
}
