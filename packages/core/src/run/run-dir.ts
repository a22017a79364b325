import { lstat, mkdir, readdir, readFile, rm, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import type { Labels, Requirement } from '../repository/model.js';
import { statePaths } from '../state/state-paths.js';
import { writeFileAtomic } from '../state/write-atomic.js';
import type { EntryStamp, Stage } from './stage.js';

/** What a run's marker says: enough to finish the run in a later e if this one dies. */
export interface RunMarker {
  id: string;
  module: string;
  version: string;
  command: string;
  args: string[];
  digest: string;
  platform: string;
  labels: Labels;
  /** The version's influences: after a successful apply they are flagged "needs plan". */
  influences: readonly Requirement[];
  allowedSections: string[];
  /** A plan run because a module this one is influenced by was applied: proposed changes keep "needs plan". */
  influencedPlan: boolean;
  by: string;
  pid: number;
  host: string;
  startedAt: string;
  /** state.yml as staged (null: there was none). */
  stateBefore: string | null;
  /** `running` until the container ended on its own; then `exited` with its exit code. */
  phase: 'running' | 'exited';
  exitCode: number | null;
  /** Where the staging copy is (see stagingDir); older markers: `<run dir>/shared`. */
  stageDir?: string;
}

/** `<shared>/.e/runs`: one directory per run in progress (its marker, baseline and staging copy). */
export function runsDir(shared: string): string {
  return join(statePaths(shared).eDir, 'runs');
}

export function runDir(shared: string, id: string): { dir: string; marker: string; baseline: string; stage: string } {
  const dir = join(runsDir(shared), id);
  return { dir, marker: join(dir, 'run.json'), baseline: join(dir, 'baseline.json'), stage: join(dir, 'shared') };
}

const TMPFS_MAGIC = 0x01021994;
let tmpfsRoot: Promise<string | undefined> | undefined;

/**
 * Where a run's staging copy goes. Copying a shared directory of 1,000 files costs a file
 * creation per file, which a disk's journal makes slow and a memory file system (`/dev/shm`,
 * tmpfs) does not; deleting the copy likewise. So: `E_STAGING_DIR` when set, else a private
 * directory under `/dev/shm` when it is a tmpfs, else `<shared>/.e/runs/<id>/shared`. The copy
 * survives e's death (not a reboot): a later e rolls a finished run forward from it.
 */
export async function stagingDir(shared: string, id: string): Promise<string> {
  tmpfsRoot ??= findTmpfsRoot();
  const root = await tmpfsRoot;
  return root === undefined ? runDir(shared, id).stage : join(root, id);
}

async function findTmpfsRoot(): Promise<string | undefined> {
  const configured = process.env.E_STAGING_DIR;
  const base = configured !== undefined && configured !== '' ? configured : '/dev/shm';
  try {
    if (configured === undefined || configured === '') {
      if ((await statfs(base)).type !== TMPFS_MAGIC) return undefined;
    }
    const uid = process.getuid?.() ?? 0;
    const root = join(base, `e-staging-${uid}`);
    await mkdir(root, { recursive: true, mode: 0o700 });
    // /dev/shm is shared by every user: the directory must be ours, a real directory, private
    const stats = await lstat(root);
    if (!stats.isDirectory() || stats.uid !== uid || (stats.mode & 0o077) !== 0) return undefined;
    return root;
  } catch {
    return undefined;
  }
}

/**
 * The marker and the baseline are written atomically (a later e reads either the old or the new
 * file when this one dies) but not fsynced: they describe a staging copy that is never fsynced
 * either (and on a tmpfs does not survive a reboot), so syncing them would make no run
 * recoverable after a power loss, only every run slower.
 */
const UNSYNCED = { fsync: false } as const;

export async function writeMarker(shared: string, marker: RunMarker): Promise<void> {
  const paths = runDir(shared, marker.id);
  await mkdir(paths.dir, { recursive: true });
  await writeFileAtomic(paths.marker, `${JSON.stringify(marker)}\n`, UNSYNCED);
}

export async function writeBaseline(shared: string, id: string, stage: Stage): Promise<void> {
  const entries = [...stage.baseline].map(([path, s]) => [path, s.kind, s.ino, s.size, `${s.mtimeNs}`, `${s.ctimeNs}`]);
  await writeFileAtomic(runDir(shared, id).baseline, JSON.stringify({ skipped: stage.skipped, entries }), UNSYNCED);
}

export async function readBaseline(shared: string, id: string): Promise<Stage> {
  const paths = runDir(shared, id);
  const raw = JSON.parse(await readFile(paths.baseline, 'utf8')) as {
    skipped: string[];
    entries: [string, EntryStamp['kind'], number, number, string, string][];
  };
  const baseline = new Map<string, EntryStamp>();
  for (const [path, kind, ino, size, mtime, ctime] of raw.entries) {
    baseline.set(path, { kind, ino, size, mtimeNs: BigInt(mtime), ctimeNs: BigInt(ctime) });
  }
  return { dir: (await readMarker(shared, id))?.stageDir ?? paths.stage, baseline, skipped: raw.skipped };
}

/** Run ids with a directory under `.e/runs`, oldest first by name order of their markers' time. */
export async function listRunIds(shared: string): Promise<string[]> {
  try {
    return (await readdir(runsDir(shared))).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

export async function readMarker(shared: string, id: string): Promise<RunMarker | undefined> {
  try {
    return JSON.parse(await readFile(runDir(shared, id).marker, 'utf8')) as RunMarker;
  } catch {
    return undefined;
  }
}

/** Removes a run's staging copy and then its directory (marker last: a run is known until it is gone). */
export async function removeRun(shared: string, marker: Pick<RunMarker, 'id' | 'stageDir'>): Promise<void> {
  if (marker.stageDir !== undefined) await rm(marker.stageDir, { recursive: true, force: true, maxRetries: 2 });
  await rm(runDir(shared, marker.id).dir, { recursive: true, force: true, maxRetries: 2 });
}
