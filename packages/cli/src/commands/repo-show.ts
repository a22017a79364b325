import {
  DEFAULT_ACCESS,
  defaultVersion,
  didYouMean,
  findComponent,
  findVersion,
  formatMemorySize,
  loadRepository,
  type ModuleVersion,
  RepositoryError,
  type Requirement,
  type RunAccess,
  runAccess,
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

/** What a version's containers may do, and which of it is the default (not written in the repository). */
function access(version: ModuleVersion): RunAccess & { defaults: (keyof RunAccess)[] } {
  const written: Record<keyof RunAccess, unknown> = {
    network: version.network,
    capabilities: version.capabilities,
    memoryBytes: version.resources?.memoryBytes,
    pids: version.resources?.pids,
  };
  const defaults = (Object.keys(DEFAULT_ACCESS) as (keyof RunAccess)[]).filter((key) => written[key] === undefined);
  const effective = runAccess(version);
  // a copy: -o yaml would print a list shared with the version as an alias
  return { ...effective, capabilities: [...effective.capabilities], defaults };
}

function accessLines(version: ModuleVersion): string[] {
  const { defaults, ...effective } = access(version);
  const line = (key: keyof RunAccess, title: string, value: string) =>
    `${title}: ${value}${defaults.includes(key) ? ' (default)' : ''}`;
  return [
    line('network', 'network', effective.network ? 'on' : 'off'),
    line('capabilities', 'capabilities', effective.capabilities.join(', ') || 'none'),
    line('memoryBytes', 'memory', formatMemorySize(effective.memoryBytes)),
    line('pids', 'pids', String(effective.pids)),
  ];
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
  const only = (arches: readonly string[] | undefined) => (arches ? ` (${arches.join(', ')} only)` : '');
  const { images, files, packages } = version.requirements;
  if (images.length > 0) {
    lines.push('requirements (images):', ...images.map((i) => `  - ${i.image}${only(i.architectures)}`));
  }
  if (files.length > 0) {
    lines.push('requirements (files):', ...files.map((f) => `  - ${f.name} ${f.url}${only(f.architectures)}`));
  }
  if (packages.length > 0) {
    lines.push(
      'requirements (packages):',
      ...packages.map((p) => `  - ${p.name} ${p.version} (${p.os})${only(p.architectures)}`),
    );
  }
  lines.push(...accessLines(version));
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
  emit(options.output, { name: component.name, type: component.type, ...version, access: access(version) }, () =>
    render(component.name, version),
  );
}
