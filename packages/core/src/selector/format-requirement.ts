import type { MatchExpression, Requirement } from '../repository/model.js';

const SYMBOL: Readonly<Partial<Record<MatchExpression['operator'], string>>> = {
  eq: '=',
  ne: '!=',
  gt: '>',
  ge: '>=',
  lt: '<',
  le: '<=',
};

function text(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** One expression as kubectl would write it: `kind=db`, `provider in (azure,aws)`, `!legacy`. */
export function formatExpression(expr: MatchExpression): string {
  const values = expr.values.map(text);
  const symbol = SYMBOL[expr.operator];
  if (symbol !== undefined && values.length === 1) return `${expr.key}${symbol}${values[0]}`;
  switch (expr.operator) {
    case 'exists':
      return expr.key;
    case 'doesnotexist':
      return `!${expr.key}`;
    case 'logic':
      return `${expr.key} logic ${values.join(',')}`;
    default:
      return `${expr.key} ${expr.operator} (${values.join(',')})`;
  }
}

/** A requirement as a kubectl-style selector string; parseSelector reads back every form it can express. */
export function formatRequirement(requirement: Requirement): string {
  return requirement.map(formatExpression).join(',');
}
