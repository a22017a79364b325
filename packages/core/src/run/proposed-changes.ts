import { lstat, readFile, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Stage } from './stage.js';

/** One change a plan proposes, at a dotted path (`kafka.clusterNodes.1.state`). */
export interface ProposedChange {
  action: 'add' | 'change' | 'remove';
  path: string;
  from?: unknown;
  to?: unknown;
}

/** The proposed changes of one top-level section of state.yml. */
export interface SectionChanges {
  section: string;
  changes: ProposedChange[];
}

/** Where a plan may write its proposed changes, relative to /shared: inside the module's own directory. */
export function planFilePath(module: string): string {
  return `${module}/plan.json`;
}

const MAX_PLAN_FILE = 5 * 1024 * 1024;

/**
 * Reads what a plan wrote to `E_PLAN_FILE` in its staging copy (`{changes: [...]}`) and removes the
 * file, so it is never merged into the live directory. Undefined when the module wrote none (a
 * module need not: its plan text is then all there is); a file that is not a regular file, too
 * large or not of that shape is ignored the same way, with a reason.
 */
export async function takeProposedChanges(
  stage: Stage,
  module: string,
): Promise<{ sections: SectionChanges[] } | { ignored: string } | undefined> {
  const path = join(stage.dir, planFilePath(module));
  const stats = await lstat(path).catch(() => undefined);
  if (stats === undefined) return undefined;
  try {
    if (!stats.isFile()) return { ignored: `${planFilePath(module)} is not a regular file` };
    if (stats.size > MAX_PLAN_FILE) return { ignored: `${planFilePath(module)} is larger than 5 MB` };
    const data = JSON.parse(await readFile(path, 'utf8')) as { changes?: unknown };
    if (!Array.isArray(data.changes)) return { ignored: `${planFilePath(module)} has no changes list` };
    const changes = data.changes.filter(isChange);
    return { sections: bySection(changes) };
  } catch (error) {
    return { ignored: `${planFilePath(module)} is not JSON (${(error as Error).message})` };
  } finally {
    await rm(path, { recursive: true, force: true });
    // the module's directory, when only the plan file made it, goes too
    if (!stage.baseline.has(module)) await rmdir(join(stage.dir, module)).catch(() => undefined);
  }
}

function isChange(value: unknown): value is ProposedChange {
  if (typeof value !== 'object' || value === null) return false;
  const { action, path } = value as { action?: unknown; path?: unknown };
  return (action === 'add' || action === 'change' || action === 'remove') && typeof path === 'string' && path !== '';
}

/** Changes grouped by their top-level section, sections in order of first appearance. */
export function bySection(changes: readonly ProposedChange[]): SectionChanges[] {
  const out = new Map<string, ProposedChange[]>();
  for (const change of changes) {
    const section = change.path.split('.')[0] as string;
    const list = out.get(section);
    if (list === undefined) out.set(section, [change]);
    else list.push(change);
  }
  return [...out].map(([section, list]) => ({ section, changes: list }));
}
