import { compareVersions } from '../selector/compare.js';
import type { Component, ModuleVersion, Repository } from './model.js';

export function findComponent(repository: Repository, name: string): Component | undefined {
  return repository.components.find((component) => component.name === name);
}

/** The version written as `version` (semver-equal: `1.2.0` finds `1.2.0+build`). */
export function findVersion(component: Component, version: string): ModuleVersion | undefined {
  return (
    component.versions.find((v) => v.version === version) ??
    component.versions.find((v) => compareVersions(v.version, version) === 0)
  );
}

/** Versions from highest to lowest semver. */
export function sortedVersions(component: Component): ModuleVersion[] {
  return [...component.versions].sort((a, b) => compareVersions(b.version, a.version));
}

/** The version installed when none is named: the one marked latest, else the highest. */
export function defaultVersion(component: Component): ModuleVersion | undefined {
  return component.versions.find((v) => v.latest) ?? sortedVersions(component)[0];
}
