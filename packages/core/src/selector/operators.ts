import type { Operator } from '../repository/model.js';

/** The canonical operators, in the order the documentation lists them. */
export const OPERATORS: readonly Operator[] = [
  'eq',
  'ne',
  'in',
  'notin',
  'exists',
  'doesnotexist',
  'gt',
  'ge',
  'lt',
  'le',
  'semver',
  'logic',
];

const KUBERNETES_SPELLINGS: Readonly<Record<string, Operator>> = {
  In: 'in',
  NotIn: 'notin',
  Exists: 'exists',
  DoesNotExist: 'doesnotexist',
  Gt: 'gt',
  Lt: 'lt',
};

/** Every spelling a repository file may use: ours plus the Kubernetes ones. */
export const OPERATOR_SPELLINGS: readonly string[] = [...OPERATORS, ...Object.keys(KUBERNETES_SPELLINGS)];

/** The canonical spelling (`NotIn` → `notin`), or undefined for an unknown operator. */
export function normalizeOperator(spelling: string): Operator | undefined {
  if ((OPERATORS as readonly string[]).includes(spelling)) return spelling as Operator;
  return Object.hasOwn(KUBERNETES_SPELLINGS, spelling) ? KUBERNETES_SPELLINGS[spelling] : undefined;
}

/** How many values each operator takes: [min, max]. */
export const OPERATOR_ARITY: Readonly<Record<Operator, readonly [number, number]>> = {
  eq: [1, 1],
  ne: [1, 1],
  in: [1, Number.POSITIVE_INFINITY],
  notin: [1, Number.POSITIVE_INFINITY],
  exists: [0, 0],
  doesnotexist: [0, 0],
  gt: [1, 1],
  ge: [1, 1],
  lt: [1, 1],
  le: [1, 1],
  semver: [1, Number.POSITIVE_INFINITY],
  logic: [1, 1],
};

export const COMPARISON_OPERATORS: readonly Operator[] = ['gt', 'ge', 'lt', 'le'];
