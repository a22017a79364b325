import { readPlanFile } from '@e/core/runtime';
import type { GlobalOptions } from '../cli.js';
import { emit } from '../output.js';

/** e plan --show FILE: what a plan saved with e plan --out FILE proposes, without running anything. */
export async function showPlanCommand(options: GlobalOptions & { file: string }): Promise<void> {
  const plan = await readPlanFile(options.file);
  emit(options.output, plan, () => {
    const lines = [
      `${plan.module} ${plan.version} on ${plan.platform}, planned ${plan.createdAt}`,
      `image ${plan.image.digest || plan.image.ref} (${plan.image.id.slice(0, 19)})`,
      plan.exitCode === 2 ? 'The plan proposes changes:' : 'The plan proposes no changes.',
    ];
    if (plan.text)
      lines.push(
        ...plan.text
          .trimEnd()
          .split('\n')
          .map((line) => `  ${line}`),
      );
    for (const section of plan.proposed ?? []) {
      lines.push(`${section.section}:`);
      for (const change of section.changes) lines.push(`  ${formatChange(change)}`);
    }
    lines.push(`Apply exactly this plan with e apply --plan ${options.file}.`);
    return lines.join('\n');
  });
}

function formatChange(change: { action: string; path: string; from?: unknown; to?: unknown }): string {
  const value = (v: unknown) => JSON.stringify(v) ?? 'null';
  if (change.action === 'add') return `+ ${change.path}: ${value(change.to)}`;
  if (change.action === 'remove') return `- ${change.path}: ${value(change.from)}`;
  return `~ ${change.path}: ${value(change.from)} -> ${value(change.to)}`;
}
