import { describe, expect, it } from 'vitest';
import { checkLogicRule, evaluateLogic } from './logic.js';

describe('json-logic rules', () => {
  it.each<[unknown, string | undefined]>([
    [{ '==': [{ var: 'kind' }, 'db'] }, undefined],
    [{ in: [{ var: 'kind' }, ['a', 'b']] }, undefined],
    [{ missing: ['a', 'b'] }, undefined],
    [
      { '==': [{ var: 'kind.constructor' }, 1] },
      '"var" path "kind.constructor" reaches "constructor", which is not a label',
    ],
    [{ var: '__proto__' }, '"var" path "__proto__" reaches "__proto__", which is not a label'],
    [{ var: 'a.prototype' }, '"var" path "a.prototype" reaches "prototype", which is not a label'],
    [{ var: 'kind.toUpperCase' }, '"var" path "kind.toUpperCase" reaches "toUpperCase", which is not a label'],
    [{ var: [{ cat: ['con', 'structor'] }] }, '"var" takes a literal label key, not a computed one'],
    [{ missing: ['constructor'] }, '"missing" path "constructor" reaches "constructor", which is not a label'],
    [{ method: ['x', 'toString'] }, 'unknown json-logic operation "method"'],
    [{ log: 'x' }, 'unknown json-logic operation "log"'],
    [{ 'toString.call': [] }, 'unknown json-logic operation "toString.call"'],
    [{ a: 1, b: 2 }, 'a json-logic rule is a map with exactly one operation, got keys a, b'],
    ['kind', 'a logic value must be a json-logic rule (a map such as {"==": [{"var": "kind"}, "db"]})'],
  ])('%j', (rule, problem) => {
    expect(checkLogicRule(rule)[0]?.message).toBe(problem);
  });

  it('evaluates over a null-prototype copy: no inherited members are visible', () => {
    expect(evaluateLogic({ '==': [{ var: 'toString' }, null] }, { kind: 'db' })).toBe(true);
    expect(evaluateLogic({ '==': [{ var: 'kind' }, 'db'] }, { kind: 'db' })).toBe(true);
  });
});
