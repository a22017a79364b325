import { isDeepStrictEqual } from 'node:util';
import { parse } from 'yaml';
import type { ModuleVersion } from '../repository/model.js';
import { formatRequirement } from '../selector/format-requirement.js';
import { normalizeOperator } from '../selector/operators.js';

/** labels/requires/influences in one canonical form, so equal meanings compare equal. */
export interface CanonicalMetadata {
  labels: Record<string, string>;
  strong: string[];
  weak: string[];
  influences: string[];
}

export interface MetadataComparison {
  /** True when the printed metadata means the same as the repository entry. */
  equal: boolean;
  /** One line per difference (`labels.version: repository "0.1.0", image "0.1.1"`), or why it does not parse. */
  differences: string[];
}

/**
 * Compares what a module's `metadata` command printed with its repository entry by meaning:
 * label values as text (`3` and `"3"` agree, `1.1` and `"1.10"` do not), operators in any
 * accepted spelling, requirements and expressions in any order, omitted sections as empty.
 */
export function compareMetadata(
  printed: string,
  entry: Pick<ModuleVersion, 'labels' | 'requires' | 'influences'>,
): MetadataComparison {
  let data: unknown;
  try {
    data = parse(printed);
  } catch (error) {
    return { equal: false, differences: [`the output is not YAML: ${(error as Error).message.split('\n')[0]}`] };
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return { equal: false, differences: ['the output is not a YAML mapping with labels, requires and influences'] };
  }
  const image = canonicalise(data as Record<string, unknown>);
  if (typeof image === 'string') return { equal: false, differences: [image] };
  const repository = canonicalise({ labels: entry.labels, requires: entry.requires, influences: entry.influences });
  if (typeof repository === 'string') return { equal: false, differences: [`the repository entry: ${repository}`] };
  const differences = [
    ...labelDifferences(repository.labels, image.labels),
    ...requirementDifferences('requires.strong', repository.strong, image.strong),
    ...requirementDifferences('requires.weak', repository.weak, image.weak),
    ...requirementDifferences('influences', repository.influences, image.influences),
  ];
  return { equal: differences.length === 0, differences };
}

/** The canonical form, or a sentence saying which part has the wrong shape. */
export function canonicalise(data: Record<string, unknown>): CanonicalMetadata | string {
  const labels: Record<string, string> = {};
  const rawLabels = data.labels ?? {};
  if (!isMapping(rawLabels)) return 'labels is not a mapping';
  for (const [key, value] of Object.entries(rawLabels)) {
    if (!['string', 'number', 'boolean'].includes(typeof value))
      return `labels.${key} is not a string, number or boolean`;
    labels[key] = String(value);
  }
  const requires = data.requires ?? {};
  if (!isMapping(requires)) return 'requires is not a mapping';
  const strong = requirements(requires.strong, 'requires.strong');
  if (typeof strong === 'string') return strong;
  const weak = requirements(requires.weak, 'requires.weak');
  if (typeof weak === 'string') return weak;
  const influences = requirements(data.influences, 'influences');
  if (typeof influences === 'string') return influences;
  return { labels, strong, weak, influences };
}

/** Each requirement as a sorted kubectl-style string; the list sorted too (order carries no meaning). */
function requirements(value: unknown, path: string): string[] | string {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) return `${path} is not a list of requirements`;
  const out: string[] = [];
  for (const [i, requirement] of value.entries()) {
    if (!Array.isArray(requirement)) return `${path}[${i}] is not a list of expressions`;
    const expressions: string[] = [];
    for (const [j, expression] of requirement.entries()) {
      const at = `${path}[${i}][${j}]`;
      if (!isMapping(expression) || typeof expression.key !== 'string' || typeof expression.operator !== 'string') {
        return `${at} is not an expression with key and operator`;
      }
      const operator = normalizeOperator(expression.operator);
      if (operator === undefined) return `${at} has the unknown operator "${expression.operator}"`;
      const raw = expression.values ?? [];
      if (!Array.isArray(raw)) return `${at}.values is not a list`;
      // a logic rule is one JSON value; every other operator's values are an unordered set of strings
      const values =
        operator === 'logic' ? raw : raw.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).sort();
      expressions.push(formatRequirement([{ key: expression.key, operator, values }]));
    }
    out.push(expressions.sort().join(','));
  }
  return out.sort();
}

function labelDifferences(repository: Record<string, string>, image: Record<string, string>): string[] {
  const keys = [...new Set([...Object.keys(repository), ...Object.keys(image)])];
  return keys.flatMap((key) => {
    const want = repository[key];
    const got = image[key];
    if (want === got) return [];
    const show = (v: string | undefined) => (v === undefined ? 'nothing' : JSON.stringify(v));
    return [`labels.${key}: repository ${show(want)}, image ${show(got)}`];
  });
}

function requirementDifferences(path: string, repository: string[], image: string[]): string[] {
  if (isDeepStrictEqual(repository, image)) return [];
  const missing = repository.filter((r) => !image.includes(r));
  const extra = image.filter((r) => !repository.includes(r));
  const lines = [
    ...missing.map((r) => `${path}: the repository has "${r}", the image does not`),
    ...extra.map((r) => `${path}: the image has "${r}", the repository does not`),
  ];
  return lines.length > 0 ? lines : [`${path}: the same requirements, listed a different number of times`];
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
