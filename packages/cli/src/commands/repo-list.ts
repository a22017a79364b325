import { defaultVersion, loadRepository, sortedVersions } from '@e/core/repository';
import { formatRequirement } from '@e/core/selector';
import type { GlobalOptions } from '../cli.js';
import { emit, table } from '../output.js';

export interface ModuleSummary {
  name: string;
  type: string;
  latest: string | undefined;
  versions: string[];
  labels: Record<string, string | number | boolean>;
}

/** Labels as a kubectl-like string: `kind=db,provider=aws`. */
export function formatLabels(labels: Readonly<Record<string, unknown>>): string {
  return formatRequirement(
    Object.entries(labels).map(([key, value]) => ({ key, operator: 'eq' as const, values: [String(value)] })),
  );
}

/**
 * Orders module names as `localeCompare` did, without it: names are lowercase letters, digits and
 * `-` (COMPONENT_NAME), whose order is the same by code unit, and `localeCompare`'s first call
 * sets up ICU's collator, which costs a read command ~10% of its start.
 */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** e repo list */
export async function repoList(options: GlobalOptions): Promise<void> {
  const repository = await loadRepository(options.repository);
  const modules: ModuleSummary[] = [...repository.components]
    .sort((a, b) => compareNames(a.name, b.name))
    .map((component) => {
      const chosen = defaultVersion(component);
      return {
        name: component.name,
        type: component.type,
        latest: chosen?.version,
        versions: sortedVersions(component).map((v) => v.version),
        labels: { ...(chosen?.labels ?? {}) },
      };
    });
  emit(options.output, modules, () =>
    modules.length === 0
      ? `No modules in ${repository.source}.`
      : table([
          ['MODULE', 'LATEST', 'VERSIONS', 'LABELS'],
          ...modules.map((m) => [m.name, m.latest ?? '-', m.versions.join(','), formatLabels(m.labels)]),
        ]),
  );
}
