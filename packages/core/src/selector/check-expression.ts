import { quote } from '../errors.js';
import type { Operator } from '../repository/model.js';
import { isComparableValue, isValidRange } from './compare.js';
import { checkLogicRule } from './logic.js';
import { OPERATOR_ARITY } from './operators.js';

export interface ExpressionProblem {
  /** Where the problem is: the whole `values` list, or one value in it. */
  at: { field: 'values' } | { field: 'value'; index: number };
  message: string;
  hint?: string;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * Problems with one expression beyond its shape: operator arity (`exists` takes no values, `gt`
 * exactly one, `in` at least one), values that cannot be compared, bad semver ranges, unsafe
 * json-logic. Shared by the repository rules and the command-line selector parser.
 */
export function checkExpression(operator: Operator, values: readonly unknown[]): readonly ExpressionProblem[] {
  const [min, max] = OPERATOR_ARITY[operator];
  const n = values.length;
  if (n < min || n > max) {
    const wanted =
      min === max ? (min === 0 ? 'no values' : `exactly ${plural(min, 'value')}`) : `at least ${plural(min, 'value')}`;
    const hint =
      max === 0
        ? 'remove "values"'
        : (operator === 'eq' || operator === 'ne') && n > 1
          ? `use "${operator === 'eq' ? 'in' : 'notin'}" to match any of several values`
          : undefined;
    return [
      { at: { field: 'values' }, message: `operator ${operator} takes ${wanted}, got ${n}`, ...(hint ? { hint } : {}) },
    ];
  }
  // most expressions are fine: nothing is allocated for them (repository files hold thousands)
  let problems: ExpressionProblem[] | undefined;
  const add = (index: number, problem: Omit<ExpressionProblem, 'at'>) => {
    problems ??= [];
    problems.push({ at: { field: 'value', index }, ...problem });
  };
  for (let index = 0; index < values.length; index++) {
    const value = values[index];
    if (operator === 'logic') {
      for (const problem of checkLogicRule(value)) add(index, problem);
      continue;
    }
    if (typeof value !== 'string') {
      add(index, { message: `values of operator ${operator} must be strings` });
      continue;
    }
    if (
      (operator === 'gt' || operator === 'ge' || operator === 'lt' || operator === 'le') &&
      !isComparableValue(value)
    ) {
      add(index, {
        message: `operator ${operator} needs a number or a version, got ${quote(value)}`,
        hint: 'gt/ge/lt/le compare numbers (5, 2.5) or versions (1.10.0); use eq/in for other values',
      });
    }
    if (operator === 'semver' && !isValidRange(value)) {
      add(index, {
        message: `${quote(value)} is not a valid semver range`,
        hint: 'write a node-semver range such as ">=2.5.0 <3" or "^1.2.0"',
      });
    }
  }
  return problems ?? NO_PROBLEMS;
}

const NO_PROBLEMS: readonly ExpressionProblem[] = [];
