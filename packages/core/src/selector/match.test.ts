import { describe, expect, it } from 'vitest';
import { SelectorError } from '../errors.js';
import type { Labels, MatchExpression } from '../repository/model.js';
import { matchExpression, matchesRequirement } from './match.js';
import { parseSelector } from './parse-selector.js';

const labels: Labels = {
  kind: 'infrastructure',
  provider: 'azure',
  version: '1.10.0',
  short: '1.10',
  size: 5,
  ratio: 2.5,
  enabled: true,
  name: 'Bare Metal Kafka',
  'provides-kafka': '2.5.1',
};

describe('selectors on labels (Kubernetes semantics)', () => {
  it.each<[string, boolean]>([
    ['', true],
    ['kind=infrastructure', true],
    ['kind==infrastructure', true],
    ['kind=monitoring', false],
    ['missing=x', false],
    ['kind!=monitoring', true],
    ['kind!=infrastructure', false],
    ['missing!=x', true],
    ['kind in (monitoring,infrastructure)', true],
    ['kind in (monitoring)', false],
    ['missing in (x)', false],
    ['kind notin (monitoring)', true],
    ['kind notin (infrastructure)', false],
    ['missing notin (x)', true],
    ['kind', true],
    ['missing', false],
    ['!missing', true],
    ['!kind', false],
    ['kind in (infrastructure),provider=azure', true],
    ['kind in (infrastructure),provider=aws', false],
    ['version>1.9.0', true],
    ['version>1.10.0', false],
    ['version>=1.10.0', true],
    ['version<1.9.0', false],
    ['version<=1.10', true],
    ['short>1.9', true],
    ['short>=1.10.0', true],
    ['short<1.10.1', true],
    ['size>3', true],
    ['size>5', false],
    ['size>=5', true],
    ['size<10', true],
    ['size=5', true],
    ['size=5.0', true],
    ['ratio>2.10', true],
    ['ratio<3', true],
    ['enabled=true', true],
    ['enabled=false', false],
    ['kind>1', false],
    ['missing>1', false],
    ['provides-kafka>=2.5.0,provides-kafka<3', true],
  ])('%j → %s', (selector, expected) => {
    expect(matchesRequirement(labels, parseSelector(selector))).toBe(expected);
  });

  it.each<[MatchExpression, boolean]>([
    [{ key: 'provides-kafka', operator: 'semver', values: ['>=2.5.0 <3'] }, true],
    [{ key: 'provides-kafka', operator: 'semver', values: ['^3', '~2.5'] }, true],
    [{ key: 'provides-kafka', operator: 'semver', values: ['>=3'] }, false],
    [{ key: 'short', operator: 'semver', values: ['1.10.x'] }, true],
    [{ key: 'kind', operator: 'semver', values: ['*'] }, false],
    [{ key: 'missing', operator: 'semver', values: ['*'] }, false],
    [{ key: 'x', operator: 'logic', values: [{ '==': [{ var: 'kind' }, 'infrastructure'] }] }, true],
    [
      {
        key: 'x',
        operator: 'logic',
        values: [{ and: [{ '>': [{ var: 'size' }, 3] }, { in: [{ var: 'provider' }, ['azure', 'aws']] }] }],
      },
      true,
    ],
    [{ key: 'x', operator: 'logic', values: [{ '!!': [{ var: 'missing' }] }] }, false],
    [{ key: 'x', operator: 'logic', values: [{ '==': [{ var: 'constructor' }, null] }] }, true],
    [{ key: 'x', operator: 'logic', values: [{ missing: ['kind', 'toString'] }] }, true],
  ])('%j → %s', (expr, expected) => {
    expect(matchExpression(labels, expr)).toBe(expected);
  });

  it('does not reach the prototype of labels even when given an ordinary object', () => {
    const rule = { '==': [{ var: 'hasOwnProperty' }, null] };
    expect(matchExpression({ kind: 'db' }, { key: 'x', operator: 'logic', values: [rule] })).toBe(true);
  });

  it('treats a label that happens to be named like a member as a label', () => {
    const own: Labels = Object.fromEntries([['constructor', 'x']]);
    expect(matchExpression(own, { key: 'constructor', operator: 'eq', values: ['x'] })).toBe(true);
    expect(matchExpression({}, { key: 'constructor', operator: 'exists', values: [] })).toBe(false);
    expect(matchExpression({}, { key: 'toString', operator: 'eq', values: ['x'] })).toBe(false);
  });

  it('refuses a comparison whose own value cannot be compared', () => {
    expect(() => matchExpression(labels, { key: 'size', operator: 'gt', values: ['a'] })).toThrow(SelectorError);
  });

  it('an empty requirement matches everything, even no labels', () => {
    expect(matchesRequirement({}, [])).toBe(true);
  });
});
