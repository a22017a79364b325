import { stringify } from 'yaml';

/**
 * What a module says about itself. Same shapes as a version entry of the repository file
 * (docs/repository.md), kept here so the SDK does not depend on @e/core.
 */
export type LabelValue = string | number | boolean;
export type Labels = Readonly<Record<string, LabelValue>>;

export type Operator =
  | 'eq'
  | 'ne'
  | 'in'
  | 'notin'
  | 'exists'
  | 'doesnotexist'
  | 'gt'
  | 'ge'
  | 'lt'
  | 'le'
  | 'semver'
  | 'logic';

export interface MatchExpression {
  key: string;
  operator: Operator;
  /** Omitted for `exists` / `doesnotexist`. */
  values?: readonly unknown[];
}

/** One requirement: ALL its expressions must be met by ONE module. */
export type Requirement = readonly MatchExpression[];

export interface ModuleMetadata {
  labels: Labels;
  requires?: { strong?: readonly Requirement[]; weak?: readonly Requirement[] };
  influences?: readonly Requirement[];
}

/**
 * The `metadata` command's output: exactly labels/requires/influences (keys that the module
 * declared, in that order), so it can be compared with the repository entry.
 */
export function metadataToYaml(metadata: ModuleMetadata): string {
  const out: Record<string, unknown> = { labels: { ...metadata.labels } };
  if (metadata.requires !== undefined) {
    const requires: Record<string, unknown> = {};
    if (metadata.requires.strong !== undefined) requires.strong = metadata.requires.strong;
    if (metadata.requires.weak !== undefined) requires.weak = metadata.requires.weak;
    out.requires = requires;
  }
  if (metadata.influences !== undefined) out.influences = metadata.influences;
  return stringify(out, { lineWidth: 0 });
}
