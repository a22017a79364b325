import type { ModuleVersion } from '../repository/model.js';
import { matchesRequirement } from '../selector/match.js';
import type { InstalledRecord } from '../state/installed-records.js';

/**
 * The installed modules (by recorded labels) that `source` influences: after it is applied they
 * need a plan. Sorted by name; the source itself is never in the list.
 */
export function influencedInstalledModules(
  source: { module: string; moduleVersion: Pick<ModuleVersion, 'influences'> },
  installed: Readonly<Record<string, InstalledRecord>>,
): string[] {
  const { influences } = source.moduleVersion;
  if (influences.length === 0) return [];
  return Object.entries(installed)
    .filter(([name, record]) => name !== source.module && record.status !== 'destroyed')
    .filter(([, record]) => influences.some((requirement) => matchesRequirement(record.labels, requirement)))
    .map(([name]) => name)
    .sort();
}
