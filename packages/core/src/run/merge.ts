import { chmod, copyFile, lstat, mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { RESERVED_STATE_KEY } from '../repository/model.js';
import { checkStateChange } from '../state/check-state-change.js';
import { parseStateText, type StateParse } from '../state/state-file.js';
import { type LoadedState, readStateText } from '../state/state-store.js';
import { type EntryChange, type Stage, stagedChanges } from './stage.js';

const STATE_FILE = 'state.yml';

/** What a module may change: its own section and files, and the sections of modules it requires or influences. */
export interface Ownership {
  module: string;
  /** Other top-level sections of state.yml it may change. */
  allowedSections: readonly string[];
}

/** True for the files a module owns: `<module>-config.yml` and everything under `<module>/`. */
export function ownsPath(module: string, path: string): boolean {
  return path === `${module}-config.yml` || path === module || path.startsWith(`${module}/`);
}

/** The module a path of the shared directory belongs to, if the naming says so. */
function ownerOf(path: string): string | undefined {
  const top = path.split('/')[0] as string;
  if (path === top && top.endsWith('-config.yml')) return top.slice(0, -'-config.yml'.length);
  if (path !== top && /^[a-z0-9][a-z0-9-]*$/.test(top)) return top;
  return undefined;
}

export interface MergeDecision {
  /** One clause per rule broken; empty when the run may be merged. */
  problems: string[];
  /** File changes to carry into the live directory (state.yml excluded). */
  files: EntryChange[];
  /** state.yml as the run started (staged) and as the module left it (undefined: it removed it). */
  stateBefore: string;
  stateAfter: string | undefined;
  /** Top-level sections the module changed (also when refused). */
  changedSections: string[];
  /** `stateAfter` parsed, when it was: the merge reuses it instead of parsing it again. */
  afterParsed?: StateParse;
}

/**
 * Compares the staging copy with what was staged and decides what may be merged: the module's own
 * and allowed sections of state.yml, and its own files. Anything else (another module's section or
 * file, e's records, a symlink or special file, a file outside its own) is a problem named by path.
 */
export async function decideMerge(
  stage: Stage,
  stateBefore: string,
  owner: Ownership & { beforeParsed?: StateParse },
): Promise<MergeDecision> {
  const changes = await stagedChanges(stage);
  const problems: string[] = [];
  const files: EntryChange[] = [];
  let stateAfter: string | undefined = stateBefore;
  const reported = new Set<string>();
  for (const change of changes) {
    if (change.path === STATE_FILE) {
      if (change.change === 'removed') stateAfter = undefined;
      else if (change.kind !== 'file') problems.push(`${owner.module} made state.yml ${kindName(change)}`);
      else stateAfter = (await readStateText(stage.dir)) ?? '';
      continue;
    }
    const problem = fileProblem(owner.module, change);
    if (problem === undefined) {
      files.push(change);
      continue;
    }
    // a refused new directory is named once, not with everything in it
    const parent = [...reported].find((dir) => change.path.startsWith(`${dir}/`));
    if (parent !== undefined) continue;
    if (change.kind === 'dir' && change.change === 'added') reported.add(change.path);
    problems.push(problem);
  }
  let changedSections: string[] = [];
  let afterParsed: StateParse | undefined;
  if (stateAfter !== stateBefore && !problems.some((p) => p.includes('made state.yml'))) {
    const report = checkStateChange({
      before: stateBefore,
      after: stateAfter,
      module: owner.module,
      allowedSections: owner.allowedSections,
      beforeParsed: owner.beforeParsed,
    });
    problems.unshift(...report.problems);
    changedSections = report.changedSections;
    afterParsed = report.afterParsed;
  }
  return { problems, files, stateBefore, stateAfter, changedSections, afterParsed };
}

function fileProblem(module: string, change: EntryChange): string | undefined {
  const { path } = change;
  if (change.change !== 'removed' && change.kind === 'other') return `${module} created ${kindName(change)} at ${path}`;
  if (ownsPath(module, path)) return undefined;
  const verb = change.change === 'removed' ? 'removed' : change.change === 'added' ? 'created' : 'changed';
  const owner = ownerOf(path);
  const what = change.kind === 'dir' ? `${path}/` : path;
  return `${module} ${verb} ${what}, which ${owner === undefined ? 'no module owns' : `belongs to ${owner}`}`;
}

function kindName(change: EntryChange): string {
  if (change.kind === 'dir') return 'a directory';
  if (change.kind === 'other') return `a ${change.special ?? 'special file'}`;
  return 'a file';
}

/**
 * The live state with the module's section changes applied. When nothing else changed the live
 * file since staging (one run at a time), it is the module's text as written (already parsed);
 * otherwise (runs of a batch merged in between) only the changed sections are carried over.
 * `live` is the state loaded under the lock; it is edited in the second case.
 */
export function mergedState(live: LoadedState, decision: MergeDecision): LoadedState {
  const { stateAfter, afterParsed } = decision;
  if (decision.changedSections.length === 0) return live;
  if (live.text === decision.stateBefore && stateAfter !== undefined && stateAfter.trim() !== '') {
    const parsed = afterParsed?.ok ? afterParsed : parseStateText(stateAfter);
    if (!parsed.ok) throw new Error(`merged state does not parse: ${parsed.problem}`);
    return { ...live, text: stateAfter, doc: parsed.doc, data: parsed.data };
  }
  const after = afterParsed?.ok ? afterParsed.data : stateAfter === undefined ? {} : parsedData(stateAfter);
  for (const key of decision.changedSections) {
    if (key === RESERVED_STATE_KEY) continue;
    if (key in after) live.doc.set(key, live.doc.createNode(after[key]));
    else live.doc.delete(key);
  }
  const text = live.doc.toString({ lineWidth: 0 });
  const parsed = parseStateText(text);
  if (!parsed.ok) throw new Error(`merged state does not parse: ${parsed.problem}`);
  return { ...live, text, doc: parsed.doc, data: parsed.data };
}

function parsedData(text: string): Record<string, unknown> {
  const parsed = parseStateText(text);
  return parsed.ok ? parsed.data : {};
}

/**
 * Carries the module's own file changes from the staging copy into the live directory: new
 * directories first, then files (moved into place whole, set-id bits dropped), then removals,
 * deepest first. Call only for a decision without problems.
 */
export async function mergeFiles(shared: string, stage: Stage, files: readonly EntryChange[]): Promise<void> {
  for (const change of files) {
    if (change.change !== 'removed' && change.kind === 'dir')
      await mkdir(join(shared, change.path), { recursive: true });
  }
  for (const change of files) {
    if (change.change === 'removed' || change.kind !== 'file') continue;
    const target = join(shared, change.path);
    await mkdir(dirname(target), { recursive: true });
    const existing = await lstat(target).catch(() => undefined);
    if (existing?.isDirectory()) await rm(target, { recursive: true, force: true });
    await moveFile(join(stage.dir, change.path), target);
    const { mode } = await lstat(target);
    if ((mode & 0o7000) !== 0) await chmod(target, mode & 0o777);
  }
  const removals = files.filter((c) => c.change === 'removed').reverse();
  for (const change of removals) await rm(join(shared, change.path), { recursive: true, force: true });
}

/** Moves a file into place whole: a rename, or (from a staging copy on another file system) a copy to a temporary name and a rename. */
async function moveFile(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    const temp = `${to}.e-merge-${process.pid}`;
    await copyFile(from, temp);
    await rename(temp, to);
  }
}
