import { quote, SelectorError } from '../errors.js';
import type { Labels, LabelValue, MatchExpression, Requirement } from '../repository/model.js';
import { asNumber, compareLabelValues, isComparableValue, satisfiesRange } from './compare.js';
import { evaluateLogic } from './logic.js';

function equals(label: LabelValue, value: unknown): boolean {
  if (typeof value !== 'string') return label === value;
  if (String(label) === value) return true;
  return typeof label === 'number' && asNumber(value) === label;
}

function compare(labels: Labels, expr: MatchExpression, test: (order: number) => boolean): boolean {
  const value = expr.values[0];
  if (typeof value !== 'string' || !isComparableValue(value)) {
    throw new SelectorError(
      'E_SELECTOR_VALUE',
      `selector ${expr.key} ${expr.operator} ${quote(value)}: the value is not a number or a version`,
    );
  }
  if (!Object.hasOwn(labels, expr.key)) return false;
  // A label that cannot be compared (kind=db against kind>1) does not match, as in Kubernetes.
  const order = compareLabelValues(labels[expr.key]!, value);
  return order !== undefined && test(order);
}

/**
 * Whether labels meet one expression, with Kubernetes semantics: `ne`/`notin`/`doesnotexist`
 * match a missing key, every other operator needs the key.
 */
export function matchExpression(labels: Labels, expr: MatchExpression): boolean {
  const has = Object.hasOwn(labels, expr.key);
  const label = has ? labels[expr.key]! : undefined;
  switch (expr.operator) {
    case 'eq':
    case 'in':
      return label !== undefined && expr.values.some((value) => equals(label, value));
    case 'ne':
    case 'notin':
      return label === undefined || !expr.values.some((value) => equals(label, value));
    case 'exists':
      return has;
    case 'doesnotexist':
      return !has;
    case 'gt':
      return compare(labels, expr, (order) => order > 0);
    case 'ge':
      return compare(labels, expr, (order) => order >= 0);
    case 'lt':
      return compare(labels, expr, (order) => order < 0);
    case 'le':
      return compare(labels, expr, (order) => order <= 0);
    case 'semver':
      return (
        label !== undefined && expr.values.some((range) => typeof range === 'string' && satisfiesRange(label, range))
      );
    case 'logic':
      try {
        return evaluateLogic(expr.values[0], labels);
      } catch (error) {
        throw new SelectorError('E_SELECTOR_LOGIC', `logic rule for ${expr.key} failed: ${(error as Error).message}`, {
          cause: error,
        });
      }
    default: {
      const unknown: never = expr.operator;
      throw new SelectorError('E_SELECTOR_OPERATOR', `unknown operator ${quote(unknown)}`);
    }
  }
}

/** Whether labels meet ALL expressions of a requirement; an empty requirement matches everything. */
export function matchesRequirement(labels: Labels, requirement: Requirement): boolean {
  return requirement.every((expr) => matchExpression(labels, expr));
}
