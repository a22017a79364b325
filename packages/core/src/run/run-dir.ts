import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import type { Labels, Requirement } from '../repository/model.js';
import { statePaths } from '../state/state-paths.js';
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
}

/** `<shared>/.e/runs`: one directory per run in progress (its marker, baseline and staging copy). */
export function runsDir(shared: string): string {
  return join(statePaths(shared).eDir, 'runs');
}

export function runDir(shared: string, id: string): { dir: string; marker: string; baseline: string; stage: string } {
  const dir = join(runsDir(shared), id);
  return { dir, marker: join(dir, 'run.json'), baseline: join(dir, 'baseline.json'), stage: join(dir, 'shared') };
}

export async function writeMarker(shared: string, marker: RunMarker): Promise<void> {
  const paths = runDir(shared, marker.id);
  await mkdir(paths.dir, { recursive: true });
  await writeFileAtomic(paths.marker, `${JSON.stringify(marker)}\n`);
}

export async function writeBaseline(shared: string, id: string, stage: Stage): Promise<void> {
  const entries = [...stage.baseline].map(([path, s]) => [path, s.kind, s.ino, s.size, `${s.mtimeNs}`, `${s.ctimeNs}`]);
  await writeFileAtomic(runDir(shared, id).baseline, JSON.stringify({ skipped: stage.skipped, entries }));
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
  return { dir: paths.stage, baseline, skipped: raw.skipped };
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
