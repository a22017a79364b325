import { defaultVersion } from '../repository/find-module.js';
import type { Labels, ModuleVersion, Repository } from '../repository/model.js';
import { RESERVED_STATE_KEY } from '../repository/model.js';
import { matchesRequirement } from '../selector/match.js';
import type { StateData } from '../state/state-file.js';

/**
 * The state sections `module` may change besides its own when nothing is installed for real:
 * every other module of the repository that its requires (strong or weak) or influences match,
 * judged by e's record of it in `state` when there is one, else by its default version's labels.
 */
export function repositorySections(
  repository: Repository,
  module: string,
  version: ModuleVersion,
  state: StateData,
): string[] {
  const selectors = [...version.requires.strong, ...version.requires.weak, ...version.influences];
  const records = recordedLabels(state);
  return repository.components
    .filter((component) => component.name !== module)
    .filter((component) => {
      const labels = records[component.name] ?? defaultVersion(component)?.labels;
      return labels !== undefined && selectors.some((requirement) => matchesRequirement(labels, requirement));
    })
    .map((component) => component.name)
    .sort();
}

/** Labels from `e.installed.<module>.labels` of a mocked state, when it has records. */
function recordedLabels(state: StateData): Record<string, Labels> {
  const installed = (state[RESERVED_STATE_KEY] as { installed?: unknown } | undefined)?.installed;
  if (typeof installed !== 'object' || installed === null) return {};
  const out: Record<string, Labels> = {};
  for (const [name, record] of Object.entries(installed)) {
    const labels = (record as { labels?: unknown } | null)?.labels;
    if (typeof labels === 'object' && labels !== null && !Array.isArray(labels)) out[name] = labels as Labels;
  }
  return out;
}
