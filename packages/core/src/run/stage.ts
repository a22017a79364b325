import { constants, lstatSync, readdirSync, type Stats } from 'node:fs';
import { copyFile, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The shared directory's entries e never stages: its own bookkeeping, and the read-only inputs
 * (mounted read-only instead of copied, so large downloads cost nothing per run).
 */
export const E_DIR = '.e';
export const INPUTS_DIR = '.inputs';
const NOT_STAGED = new Set([E_DIR, INPUTS_DIR]);

/** What an entry of the staging copy looked like right after staging; a module's write changes it. */
export interface EntryStamp {
  /** `other`: a symlink, FIFO, socket or device (never merged). */
  kind: 'file' | 'dir' | 'other';
  /** For `other`: which. */
  special?: 'symlink' | 'FIFO' | 'socket' | 'device';
  ino: number;
  size: number;
  mtimeNs: bigint;
  ctimeNs: bigint;
}

export interface Stage {
  /** The staging copy, mounted at /shared. */
  dir: string;
  /** Every staged entry by path relative to `dir` (`/`-separated), as it was when staging ended. */
  baseline: Map<string, EntryStamp>;
  /** Live entries that were not staged because they are neither files nor directories. */
  skipped: string[];
}

const COPY_CONCURRENCY = 16;

/**
 * Copies the live shared directory into `dir` (which must not exist): every regular file and
 * directory except `.e/` and `.inputs/`, never following a symlink. Files are copied, never
 * linked: a module writing into its copy must not reach the live file.
 */
export async function stageSharedDir(shared: string, dir: string): Promise<Stage> {
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  const skipped: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    const entries = await readdir(join(shared, rel), { withFileTypes: true }).catch(ifGone([]));
    const dirs: string[] = [];
    for (const entry of entries) {
      const path = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (rel === '' && NOT_STAGED.has(entry.name)) continue;
      if (entry.isDirectory()) dirs.push(path);
      else if (entry.isFile()) files.push(path);
      else skipped.push(path);
    }
    await Promise.all(dirs.map((d) => mkdir(join(dir, d))));
    await Promise.all(dirs.map(walk));
  };
  await walk('');
  await mkdir(join(dir, INPUTS_DIR));
  let next = 0;
  const copier = async () => {
    for (let i = next++; i < files.length; i = next++) {
      const rel = files[i] as string;
      await copyFile(join(shared, rel), join(dir, rel), constants.COPYFILE_FICLONE).catch(ifGone(undefined));
    }
  };
  await Promise.all(Array.from({ length: Math.min(COPY_CONCURRENCY, files.length) }, copier));
  return { dir, baseline: await scanEntries(dir), skipped };
}

/**
 * For an entry that was listed but is gone when read (removed by hand meanwhile): it is not
 * staged, as if it had been removed just before the copy began.
 */
function ifGone<T>(value: T): (error: NodeJS.ErrnoException) => T {
  return (error) => {
    if (error.code === 'ENOENT') return value;
    throw error;
  };
}

/**
 * Every entry under `dir` (not `.inputs/`), by relative path, with the stamp that reveals a write.
 * Synchronous on purpose: a thousand lstat calls run faster in a loop than through the thread pool.
 */
export async function scanEntries(dir: string): Promise<Map<string, EntryStamp>> {
  const out = new Map<string, EntryStamp>();
  const walk = (rel: string): void => {
    for (const entry of readdirSync(join(dir, rel), { withFileTypes: true })) {
      const path = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (rel === '' && entry.name === INPUTS_DIR) continue;
      const stats = lstatSync(join(dir, path), { bigint: true });
      out.set(path, stampOf(stats));
      if (stats.isDirectory()) walk(path);
    }
  };
  walk('');
  return out;
}

function stampOf(stats: Stats | import('node:fs').BigIntStats): EntryStamp {
  const big = stats as import('node:fs').BigIntStats;
  const special = big.isSymbolicLink()
    ? 'symlink'
    : big.isFIFO()
      ? 'FIFO'
      : big.isSocket()
        ? 'socket'
        : big.isBlockDevice() || big.isCharacterDevice()
          ? 'device'
          : undefined;
  return {
    kind: big.isFile() ? 'file' : big.isDirectory() ? 'dir' : 'other',
    ...(special === undefined ? {} : { special }),
    ino: Number(big.ino),
    size: Number(big.size),
    mtimeNs: big.mtimeNs,
    ctimeNs: big.ctimeNs,
  };
}

/** A change the module made in its staging copy. */
export interface EntryChange {
  path: string;
  change: 'added' | 'changed' | 'removed';
  /** What the entry is now (for removed: what it was). */
  kind: EntryStamp['kind'];
  special?: EntryStamp['special'];
}

/**
 * What differs between the staging copy now and its baseline. The inode change time cannot be set
 * from inside a container (only the clock could, and no capability allows that), so an unchanged
 * stamp means unchanged content. Directories count only when added or removed.
 */
export async function stagedChanges(stage: Stage): Promise<EntryChange[]> {
  const scanned = await scanEntries(stage.dir);
  const changes: EntryChange[] = [];
  for (const [path, stamp] of scanned) {
    const before = stage.baseline.get(path);
    if (before === undefined) changes.push({ path, change: 'added', kind: stamp.kind, special: stamp.special });
    else if (before.kind !== stamp.kind)
      changes.push({ path, change: 'changed', kind: stamp.kind, special: stamp.special });
    else if (stamp.kind !== 'dir' && !sameStamp(before, stamp))
      changes.push({ path, change: 'changed', kind: stamp.kind, special: stamp.special });
  }
  for (const [path, stamp] of stage.baseline) {
    if (!scanned.has(path)) changes.push({ path, change: 'removed', kind: stamp.kind });
  }
  return changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function sameStamp(a: EntryStamp, b: EntryStamp): boolean {
  return a.ino === b.ino && a.size === b.size && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs;
}
