import { defaultVersion, loadRepository } from '@e/core/repository';
import { compareVersions, formatRequirement, matchesRequirement, parseSelector } from '@e/core/selector';
import type { GlobalOptions } from '../cli.js';
import { emit, table } from '../output.js';
import { compareNames, formatLabels } from './repo-list.js';

export interface RepoSearchOptions extends GlobalOptions {
  selector: string;
  latest: boolean;
}

export interface SearchHit {
  module: string;
  version: string;
  latest: boolean;
  labels: Record<string, string | number | boolean>;
}

/** e repo search '<selector>' */
export async function repoSearch(options: RepoSearchOptions): Promise<void> {
  // a bad selector is reported before the repository is read
  const requirement = parseSelector(options.selector);
  const repository = await loadRepository(options.repository);
  const hits: SearchHit[] = [];
  for (const component of repository.components) {
    const candidates = options.latest ? [defaultVersion(component)].filter((v) => v !== undefined) : component.versions;
    for (const version of candidates) {
      if (matchesRequirement(version.labels, requirement)) {
        hits.push({
          module: component.name,
          version: version.version,
          latest: version.latest,
          labels: { ...version.labels },
        });
      }
    }
  }
  hits.sort((a, b) => compareNames(a.module, b.module) || compareVersions(b.version, a.version));
  const selector = formatRequirement(requirement);
  emit(options.output, hits, () =>
    hits.length === 0
      ? `No module version matches ${selector === '' ? 'the empty selector' : selector}.`
      : table([
          ['MODULE', 'VERSION', 'LATEST', 'LABELS'],
          ...hits.map((h) => [h.module, h.version, h.latest ? 'yes' : '', formatLabels(h.labels)]),
        ]),
  );
}
