import { RuntimeError } from '../errors.js';
import { didYouMean } from '../repository/did-you-mean.js';
import { defaultVersion, findComponent, findVersion, sortedVersions } from '../repository/find-module.js';
import type { Component, ModuleCommand, ModuleVersion, Repository } from '../repository/model.js';
import { matchesRequirement } from '../selector/match.js';
import type { InstalledRecord } from '../state/installed-records.js';

export type VersionReason = 'requested' | 'installed' | 'latest' | 'highest';

export interface SelectedVersion {
  component: Component;
  version: ModuleVersion;
  why: VersionReason;
}

/** Splits `kafka@0.2.0` into name and version. */
export function parseModuleSpec(spec: string): { module: string; version?: string } {
  const at = spec.indexOf('@');
  if (at === -1) return { module: spec };
  const module = spec.slice(0, at);
  const version = spec.slice(at + 1);
  if (module === '' || version === '') {
    throw new RuntimeError('E_MODULE_SPEC', `"${spec}" is not a module; write NAME or NAME@VERSION, e.g. kafka@0.1.0.`);
  }
  return { module, version };
}

/**
 * The version of `module` to run: the one asked for, else the installed one, else the version
 * marked `latest`, else the highest. Fails with the names or versions that do exist.
 */
export function selectVersion(
  repository: Repository,
  module: string,
  options: { requested?: string; installed?: InstalledRecord } = {},
): SelectedVersion {
  const component = findComponent(repository, module);
  if (component === undefined) {
    const names = repository.components.map((c) => c.name);
    const guess = didYouMean(module, names);
    throw new RuntimeError(
      'E_MODULE_UNKNOWN',
      `${repository.source} has no module named "${module}"${guess ? ` (did you mean "${guess}"?)` : ''}.`,
      {
        hint: names.length > 0 ? `Modules there: ${names.join(', ')}.` : 'The repository lists no modules.',
      },
    );
  }
  const listed = () =>
    sortedVersions(component)
      .map((v) => v.version)
      .join(', ');
  if (options.requested !== undefined) {
    const version = findVersion(component, options.requested);
    if (version === undefined) {
      throw new RuntimeError(
        'E_VERSION_UNKNOWN',
        `${repository.source} has no version ${options.requested} of ${module}.`,
        {
          hint: `Versions there: ${listed()}.`,
        },
      );
    }
    return { component, version, why: 'requested' };
  }
  if (options.installed !== undefined) {
    const version = findVersion(component, options.installed.version);
    if (version === undefined) {
      throw new RuntimeError(
        'E_VERSION_GONE',
        `${module} ${options.installed.version} is installed, but ${repository.source} no longer lists that version.`,
        {
          hint: `Name the version to run, e.g. ${module}@${sortedVersions(component)[0]?.version ?? 'VERSION'} (versions there: ${listed()}).`,
        },
      );
    }
    return { component, version, why: 'installed' };
  }
  const version = defaultVersion(component);
  if (version === undefined)
    throw new RuntimeError('E_VERSION_UNKNOWN', `${repository.source} lists no version of ${module}.`);
  return { component, version, why: version.latest ? 'latest' : 'highest' };
}

/** The repository command named `name`, or an error listing the commands the version has. */
export function findCommand(module: string, version: ModuleVersion, name: string): ModuleCommand {
  const command = version.commands.find((c) => c.name === name);
  if (command !== undefined) return command;
  const names = version.commands.map((c) => c.name);
  const guess = didYouMean(name, names);
  throw new RuntimeError(
    'E_COMMAND_UNKNOWN',
    `${module} ${version.version} has no command "${name}"${guess ? ` (did you mean "${guess}"?)` : ''}.`,
    { hint: `Its commands: ${names.join(', ') || 'none'}.` },
  );
}

/**
 * Installed modules whose state sections this version may change besides its own: those it
 * requires (strongly or weakly) or influences, matched on their recorded labels.
 */
export function allowedSections(
  version: ModuleVersion,
  installed: Readonly<Record<string, InstalledRecord>>,
  self: string,
): string[] {
  const selectors = [...version.requires.strong, ...version.requires.weak, ...version.influences];
  return Object.entries(installed)
    .filter(([name, record]) => name !== self && selectors.some((req) => matchesRequirement(record.labels, req)))
    .map(([name]) => name);
}
