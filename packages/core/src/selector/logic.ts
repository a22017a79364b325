import type * as JsonLogic from 'json-logic-js';
import { lazyRequire } from '../repository/lazy-require.js';
import type { Labels } from '../repository/model.js';

const jsonLogic = lazyRequire<typeof JsonLogic>('json-logic-js');

/** json-logic operations a rule may use (`log` would print; nothing is registered globally). */
const OPERATIONS = new Set([
  '==',
  '===',
  '!=',
  '!==',
  '>',
  '>=',
  '<',
  '<=',
  '!!',
  '!',
  '%',
  'in',
  'cat',
  'substr',
  '+',
  '*',
  '-',
  '/',
  'min',
  'max',
  'merge',
  'var',
  'missing',
  'missing_some',
  'if',
  '?:',
  'and',
  'or',
  'filter',
  'map',
  'reduce',
  'all',
  'none',
  'some',
]);

/** Member names a `var` path could use to climb from plain data into JavaScript internals. */
const FORBIDDEN_ANYWHERE = new Set(['__proto__', 'prototype', ...Object.getOwnPropertyNames(Object.prototype)]);
const FORBIDDEN_BELOW_TOP = new Set(
  [
    ...FORBIDDEN_ANYWHERE,
    ...Object.getOwnPropertyNames(String.prototype),
    ...Object.getOwnPropertyNames(Number.prototype),
    ...Object.getOwnPropertyNames(Boolean.prototype),
    ...Object.getOwnPropertyNames(Array.prototype),
  ].filter((name) => name !== 'length'),
);

export interface LogicProblem {
  message: string;
  hint?: string;
}

function isPlainMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkPath(path: unknown, op: string): LogicProblem | undefined {
  if (path === null || path === undefined || typeof path === 'number') return undefined;
  if (typeof path !== 'string') {
    return { message: `"${op}" takes a literal label key, not a computed one`, hint: 'write {"var": "kind"}' };
  }
  const segments = path.split('.');
  for (const [i, segment] of segments.entries()) {
    if ((i === 0 ? FORBIDDEN_ANYWHERE : FORBIDDEN_BELOW_TOP).has(segment)) {
      return {
        message: `"${op}" path "${path}" reaches "${segment}", which is not a label`,
        hint: 'logic rules may only read label values',
      };
    }
  }
  return undefined;
}

/** Problems with a json-logic rule: unknown operations, computed or unsafe `var` paths. */
export function checkLogicRule(rule: unknown): LogicProblem[] {
  const problems: LogicProblem[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) walk(item);
      return;
    }
    if (!isPlainMap(node)) return;
    const keys = Object.keys(node);
    if (keys.length !== 1) {
      problems.push({
        message: `a json-logic rule is a map with exactly one operation, got ${keys.length === 0 ? 'an empty map' : `keys ${keys.join(', ')}`}`,
      });
      return;
    }
    const op = keys[0]!;
    if (FORBIDDEN_ANYWHERE.has(op) || !OPERATIONS.has(op)) {
      problems.push({
        message: `unknown json-logic operation "${op}"`,
        hint: `use one of ${[...OPERATIONS].join(' ')}`,
      });
      return;
    }
    const args = node[op];
    const list = Array.isArray(args) ? args : [args];
    if (op === 'var') {
      const problem = checkPath(list[0], op);
      if (problem) problems.push(problem);
      walk(list.slice(1));
      return;
    }
    if (op === 'missing' || op === 'missing_some') {
      const keysArg = op === 'missing' ? list : list[1];
      for (const key of Array.isArray(keysArg) ? keysArg : [keysArg]) {
        const problem = isPlainMap(key) ? undefined : checkPath(key, op);
        if (problem) problems.push(problem);
      }
    }
    walk(list);
  };
  if (!isPlainMap(rule)) {
    problems.push({
      message: 'a logic value must be a json-logic rule (a map such as {"==": [{"var": "kind"}, "db"]})',
    });
  } else {
    walk(rule);
  }
  return problems;
}

/** Evaluates a checked rule over a null-prototype copy of the labels. */
export function evaluateLogic(rule: unknown, labels: Labels): boolean {
  const data: Record<string, unknown> = Object.create(null);
  for (const key of Object.keys(labels)) data[key] = labels[key];
  const logic = jsonLogic();
  return logic.truthy(logic.apply(rule as JsonLogic.RulesLogic, data));
}
