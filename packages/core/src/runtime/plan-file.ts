import { readFile } from 'node:fs/promises';
import { RuntimeError } from '../errors.js';
import { lazyRequire } from '../repository/lazy-require.js';
import { writeFileAtomic } from '../state/write-atomic.js';

/** What `e plan --out FILE` saves, so `e apply --plan FILE` can refuse a plan that went stale. */
export interface SavedPlan {
  format: typeof PLAN_FORMAT;
  createdAt: string;
  module: string;
  version: string;
  platform: string;
  image: { ref: string; id: string; digest: string };
  /** sha256 of state.yml and of `<module>-config.yml` after the plan; null when there was no file. */
  stateSha256: string | null;
  configSha256: string | null;
  /** The module plan's exit code: 0 no changes, 2 changes. */
  exitCode: number;
  /** What the plan printed (stdout, without terminal control sequences). */
  text?: string;
  /** The changes it proposed, by section (when the module wrote them to E_PLAN_FILE). */
  proposed?: { section: string; changes: { action: string; path: string; from?: unknown; to?: unknown }[] }[];
}

export const PLAN_FORMAT = 'e-plan/v1';

/** node:crypto, loaded on first use: `e module install --dry-run` hashes nothing. */
const crypto = lazyRequire<typeof import('node:crypto')>('node:crypto');

export function sha256OrNull(text: string | undefined): string | null {
  return text === undefined ? null : crypto().createHash('sha256').update(text).digest('hex');
}

export async function writePlanFile(path: string, plan: SavedPlan): Promise<void> {
  try {
    await writeFileAtomic(path, `${JSON.stringify(plan, null, 2)}\n`);
  } catch (error) {
    throw new RuntimeError('E_PLAN_WRITE', `Cannot write the plan to ${path}: ${(error as Error).message}.`);
  }
}

export async function readPlanFile(path: string): Promise<SavedPlan> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new RuntimeError(
      'E_PLAN_READ',
      missing ? `There is no plan file ${path}.` : `Cannot read ${path}: ${(error as Error).message}.`,
      {
        hint: 'Save one with e plan MODULE --out FILE.',
      },
    );
  }
  let plan: Partial<SavedPlan>;
  try {
    plan = JSON.parse(text) as Partial<SavedPlan>;
  } catch {
    plan = {};
  }
  const valid =
    plan.format === PLAN_FORMAT &&
    typeof plan.module === 'string' &&
    typeof plan.version === 'string' &&
    typeof plan.platform === 'string' &&
    typeof plan.image?.id === 'string' &&
    typeof plan.exitCode === 'number';
  if (!valid) {
    throw new RuntimeError('E_PLAN_INVALID', `${path} is not a plan saved by e plan --out.`, {
      hint: 'Save a new one with e plan MODULE --out FILE.',
    });
  }
  return plan as SavedPlan;
}

/** What differs between a saved plan and now, one clause each; empty when the plan still holds. */
export function stalePlanReasons(
  plan: SavedPlan,
  now: Pick<SavedPlan, 'platform' | 'stateSha256' | 'configSha256'> & { imageId: string; configFile: string },
): string[] {
  const reasons: string[] = [];
  if (plan.platform !== now.platform)
    reasons.push(`the platform is now ${now.platform}, the plan was made for ${plan.platform}`);
  if (plan.image.id !== now.imageId)
    reasons.push(
      `the image ${plan.image.ref} changed (now ${now.imageId.slice(0, 19)}, planned ${plan.image.id.slice(0, 19)})`,
    );
  if (plan.stateSha256 !== now.stateSha256) reasons.push('state.yml changed');
  if (plan.configSha256 !== now.configSha256) {
    reasons.push(now.configSha256 === null ? `${now.configFile} was removed` : `${now.configFile} changed`);
  }
  return reasons;
}
