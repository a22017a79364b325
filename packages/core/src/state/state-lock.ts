import { readFileSync, unlinkSync } from 'node:fs';
import { link, mkdir, open, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { StateError } from '../errors.js';
import { statePaths } from './state-paths.js';

/** What the lock file `<shared>/.e/lock` says about the process holding it. */
export interface LockHolder {
  pid: number;
  host: string;
  /** The e command line that took the lock, e.g. `e apply kafka`. */
  command: string;
  /** ISO time the lock was taken. */
  startedAt: string;
  /** Unique per acquisition, so a process never removes a lock that is no longer its own. */
  id: string;
}

export interface StateLockOptions {
  /** Recorded in the lock so others can see who holds it, e.g. `e apply kafka`. */
  command: string;
  /** How long to wait for a lock held by a live process; 0 (the default, as terraform) fails at once. */
  timeoutMs?: number;
  /** Receives one-line notices: a dead holder's lock recovered, waiting for the lock. */
  onNotice?: (message: string) => void;
}

export interface StateLock {
  readonly holder: LockHolder;
  /** With a state backend: aborted when its lock is lost (see state-backend.ts). */
  readonly lost?: AbortSignal;
  /** Removes the lock if it is still ours. Safe to call twice. */
  release(): Promise<void>;
}

/** Whether the holder still runs: known only on the same host. */
export type HolderLiveness = 'alive' | 'dead' | 'unknown';

const POLL_MIN_MS = 50;
const POLL_MAX_MS = 1000;
/** A recovery marker older than this was left by a process that died while recovering. */
const RECOVERY_STALE_MS = 30_000;

/**
 * Takes the state lock, waiting up to `timeoutMs` for a live holder. A lock whose holder died on
 * this host is removed automatically (and `onNotice` says so); a lock held from another host, or
 * by a live process past the timeout, fails with a StateError naming the holder.
 */
export async function acquireStateLock(shared: string, options: StateLockOptions): Promise<StateLock> {
  const paths = statePaths(shared);
  await mkdir(paths.eDir, { recursive: true }).catch((error: Error) => {
    throw new StateError('E_STATE_LOCK_IO', `Cannot create ${paths.eDir}: ${error.message}.`, { cause: error });
  });
  const holder: LockHolder = {
    pid: process.pid,
    host: hostname(),
    command: options.command,
    startedAt: new Date().toISOString(),
    id: crypto.randomUUID(),
  };
  const timeoutMs = options.timeoutMs ?? 0;
  const deadline = Date.now() + timeoutMs;
  let pause = POLL_MIN_MS;
  let announced = false;
  for (;;) {
    holder.startedAt = new Date().toISOString();
    const text = `${JSON.stringify(holder)}\n`;
    if (await createExclusive(paths.lock, text)) return heldLock(paths.lock, holder);
    const current = await readLockFile(paths.lock);
    if (current === undefined) continue; // released between our attempt and the read
    if (current.holder !== undefined && holderLiveness(current.holder) === 'dead') {
      if (await removeDeadLock(paths.lock, current.raw)) {
        options.onNotice?.(
          `Recovered the state lock left by ${describeHolder(current.holder)}, which is no longer running.`,
        );
      }
      continue;
    }
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw lockedError(paths.lock, current.holder, timeoutMs);
    if (!announced && current.holder !== undefined) {
      options.onNotice?.(
        `Waiting up to ${formatMs(timeoutMs)} for the state lock held by ${describeHolder(current.holder)}.`,
      );
      announced = true;
    }
    await sleep(Math.min(pause, remaining));
    pause = Math.min(pause * 2, POLL_MAX_MS);
  }
}

/** The current lock holder, or undefined when the state is not locked. */
export async function readStateLock(shared: string): Promise<LockHolder | undefined> {
  const path = statePaths(shared).lock;
  const current = await readLockFile(path);
  if (current === undefined) return undefined;
  if (current.holder === undefined) {
    throw new StateError('E_STATE_LOCK_UNREADABLE', `The lock file ${path} is not one e wrote.`, {
      hint: 'Remove it with e state unlock --force if no e command is running.',
    });
  }
  return current.holder;
}

export interface UnlockResult {
  /** The holder whose lock was removed; undefined when the state was not locked. */
  removed: LockHolder | undefined;
  liveness: HolderLiveness | undefined;
}

/**
 * `e state unlock`: removes a lock whose holder is gone. A holder that still runs on this host, or
 * one on another host, is only removed with `force` (it may still be writing the state).
 */
export async function unlockState(shared: string, options: { force?: boolean } = {}): Promise<UnlockResult> {
  const path = statePaths(shared).lock;
  const current = await readLockFile(path);
  if (current === undefined) return { removed: undefined, liveness: undefined };
  const liveness = current.holder === undefined ? 'unknown' : holderLiveness(current.holder);
  if (liveness !== 'dead' && !options.force) {
    const who = current.holder === undefined ? 'an unreadable lock file' : describeHolder(current.holder);
    const why =
      liveness === 'alive' ? 'that process is still running' : 'e cannot tell from here whether it still runs';
    throw new StateError('E_STATE_LOCK_HELD', `The state is locked by ${who}, and ${why}.`, {
      hint: 'Make sure no e command is using this shared directory, then run e state unlock --force.',
    });
  }
  await unlink(path).catch(ignoreMissing);
  return { removed: current.holder ?? unknownHolder(), liveness };
}

/** "pid 4242 on host ci-3 (e apply kafka) since 2024-05-01T10:00:00.000Z" */
export function describeHolder(holder: LockHolder): string {
  return `pid ${holder.pid} on host ${holder.host} (${holder.command}) since ${holder.startedAt}`;
}

/**
 * Whether the holder process still exists. Only decidable on the same host; a pid that now belongs
 * to a process started after the lock was taken (pid reuse) or to a zombie counts as dead.
 */
export function holderLiveness(holder: Pick<LockHolder, 'pid' | 'host'> & { startedAt?: string }): HolderLiveness {
  if (holder.host !== hostname()) return 'unknown';
  if (holder.pid === process.pid) return 'alive';
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? 'alive' : 'dead';
  }
  return linuxProcessOutlivedLock(holder) ? 'alive' : 'dead';
}

/** On Linux, rule out zombies and reused pids with /proc; elsewhere trust kill(pid, 0). */
function linuxProcessOutlivedLock(holder: { pid: number; startedAt?: string }): boolean {
  try {
    const stat = readFileSync(`/proc/${holder.pid}/stat`, 'utf8');
    // fields after the parenthesised command name: state is 1st, starttime (clock ticks) is 20th
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z' || fields[0] === 'X') return false;
    const bootLine = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'));
    const ticks = Number(fields[19]);
    if (!bootLine || !Number.isFinite(ticks)) return true;
    const startedMs = (Number(bootLine[1]) + ticks / 100) * 1000;
    const lockedMs = Date.parse(holder.startedAt ?? '');
    // a process started well after the lock was taken cannot be the one that took it
    return !(Number.isFinite(lockedMs) && startedMs > lockedMs + 5000);
  } catch {
    return true;
  }
}

function heldLock(path: string, holder: LockHolder): StateLock {
  let held = true;
  const releaseOnExit = () => {
    if (!held) return;
    try {
      if (parseHolder(readFileSync(path, 'utf8'))?.id === holder.id) unlinkSync(path);
    } catch {
      // nothing to release
    }
  };
  process.once('exit', releaseOnExit);
  return {
    holder,
    async release() {
      if (!held) return;
      held = false;
      process.removeListener('exit', releaseOnExit);
      const current = await readLockFile(path);
      if (current?.holder?.id === holder.id) await unlink(path).catch(ignoreMissing);
    },
  };
}

/**
 * Creates `path` with `content` only if it does not exist. The content is written to a private
 * file first and hard-linked into place, so nobody ever reads a half-written lock.
 */
async function createExclusive(path: string, content: string): Promise<boolean> {
  const tmp = `${path}.${process.pid}.${crypto.randomUUID()}.tmp`;
  await writeFile(tmp, content, { flag: 'wx' }).catch((error: Error) => {
    throw new StateError('E_STATE_LOCK_IO', `Cannot write the lock file ${path}: ${error.message}.`, { cause: error });
  });
  try {
    await link(tmp, path);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'ENOSYS') {
      return createWithOpen(path, content); // a file system without hard links
    }
    throw new StateError('E_STATE_LOCK_IO', `Cannot create the lock file ${path}: ${(error as Error).message}.`);
  } finally {
    await unlink(tmp).catch(ignoreMissing);
  }
}

async function createWithOpen(path: string, content: string): Promise<boolean> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return true;
}

/**
 * Removes a dead holder's lock, exactly that one: under a short-lived recovery marker, and only if
 * the lock still holds the content we judged dead (two waiters must not both recover, or one
 * would remove the lock the other has just taken).
 */
async function removeDeadLock(path: string, deadContent: string): Promise<boolean> {
  const marker = `${path}.recovering`;
  if (!(await createExclusive(marker, `${process.pid}\n`))) {
    const age = await stat(marker).then(
      (s) => Date.now() - s.mtimeMs,
      () => 0,
    );
    if (age > RECOVERY_STALE_MS) await unlink(marker).catch(ignoreMissing);
    await sleep(POLL_MIN_MS);
    return false;
  }
  try {
    const now = await readFile(path, 'utf8').catch(() => undefined);
    if (now !== deadContent) return false;
    await unlink(path).catch(ignoreMissing);
    return true;
  } finally {
    await unlink(marker).catch(ignoreMissing);
  }
}

async function readLockFile(path: string): Promise<{ raw: string; holder: LockHolder | undefined } | undefined> {
  try {
    const raw = await readFile(path, 'utf8');
    return { raw, holder: parseHolder(raw) };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StateError('E_STATE_LOCK_IO', `Cannot read the lock file ${path}: ${(error as Error).message}.`);
  }
}

function parseHolder(raw: string): LockHolder | undefined {
  try {
    const value = JSON.parse(raw) as Partial<LockHolder>;
    if (typeof value.pid !== 'number' || typeof value.host !== 'string') return undefined;
    return {
      pid: value.pid,
      host: value.host,
      command: typeof value.command === 'string' ? value.command : '?',
      startedAt: typeof value.startedAt === 'string' ? value.startedAt : '?',
      id: typeof value.id === 'string' ? value.id : '',
    };
  } catch {
    return undefined;
  }
}

function unknownHolder(): LockHolder {
  return { pid: 0, host: '?', command: '?', startedAt: '?', id: '' };
}

function lockedError(path: string, holder: LockHolder | undefined, timeoutMs: number): StateError {
  const who = holder === undefined ? `an unreadable lock file (${path})` : describeHolder(holder);
  const waited = timeoutMs > 0 ? ` after waiting ${formatMs(timeoutMs)}` : '';
  return new StateError('E_STATE_LOCKED', `The state is locked by ${who}${waited}.`, {
    hint: 'Wait for it to finish or retry with --lock-timeout 60s; if that process is gone, run e state unlock.',
  });
}

export function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function ignoreMissing(error: unknown): void {
  if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
}
