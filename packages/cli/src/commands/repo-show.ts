import {
  defaultVersion,
  didYouMean,
  findComponent,
  findVersion,
  loadRepository,
  type ModuleVersion,
  RepositoryError,
  type Requirement,
  sortedVersions,
} from '@e/core/repository';
import { formatRequirement } from '@e/core/selector';
import type { GlobalOptions } from '../cli.js';
import { emit } from '../output.js';

export interface RepoShowOptions extends GlobalOptions {
  /** `kafka` or `kafka@0.1.0` */
  module: string;
}

function requirementLines(title: string, requirements: readonly Requirement[]): string[] {
  if (requirements.length === 0) return [];
  return [`${title}:`, ...requirements.map((r) => `  - ${formatRequirement(r) || '(everything)'}`)];
}

function render(name: string, version: ModuleVersion): string {
  const lines = [`${name} ${version.version}${version.latest ? ' (latest)' : ''}`];
  if (version.image !== undefined) lines.push(`image: ${version.image}`);
  if (version.images !== undefined) {
    lines.push('images:', ...Object.entries(version.images).map(([arch, ref]) => `  ${arch}: ${ref}`));
  }
  if (version.architectures !== undefined) lines.push(`architectures: ${version.architectures.join(', ')}`);
  if (version.workdir !== undefined) lines.push(`workdir: ${version.workdir}`);
  if (version.mounts.length > 0) lines.push(`mounts: ${version.mounts.join(', ')}`);
  const labels = Object.entries(version.labels);
  if (labels.length > 0) lines.push('labels:', ...labels.map(([key, value]) => `  ${key}: ${String(value)}`));
  lines.push(...requirementLines('requires (strong)', version.requires.strong));
  lines.push(...requirementLines('requires (weak)', version.requires.weak));
  lines.push(...requirementLines('influences', version.influences));
  for (const kind of ['images', 'files', 'packages'] as const) {
    const items = version.requirements[kind];
    if (items.length > 0) lines.push(`requirements (${kind}):`, ...items.map((item) => `  - ${item}`));
  }
  lines.push('commands:');
  for (const command of version.commands) {
    const run = [command.command, ...command.args].join(' ');
    lines.push(`  ${command.name.padEnd(10)} ${run}${command.description ? `  # ${command.description}` : ''}`);
  }
  return lines.join('\n');
}

/** e repo show <module>[@version] */
export async function repoShow(options: RepoShowOptions): Promise<void> {
  const at = options.module.indexOf('@');
  const name = at === -1 ? options.module : options.module.slice(0, at);
  const wanted = at === -1 ? undefined : options.module.slice(at + 1);
  const repository = await loadRepository(options.repository);
  const component = findComponent(repository, name);
  if (component === undefined) {
    const guess = didYouMean(
      name,
      repository.components.map((c) => c.name),
    );
    throw new RepositoryError('E_MODULE_UNKNOWN', `there is no module "${name}" in ${repository.source}`, {
      hint: guess ? `did you mean "${guess}"?` : 'run "e repo list" to see the modules',
    });
  }
  const version = wanted === undefined ? defaultVersion(component) : findVersion(component, wanted);
  if (version === undefined) {
    throw new RepositoryError('E_VERSION_UNKNOWN', `module "${name}" has no version "${wanted}"`, {
      hint: `versions: ${sortedVersions(component)
        .map((v) => v.version)
        .join(', ')}`,
    });
  }
  emit(options.output, { name: component.name, type: component.type, ...version }, () =>
    render(component.name, version),
  );
}
