import { describe, expect, it } from 'vitest';
import type { MatchExpression } from '../repository/model.js';
import { formatRequirement } from './format-requirement.js';
import { parseSelector, SelectorSyntaxError } from './parse-selector.js';

const e = (key: string, operator: MatchExpression['operator'], ...values: string[]): MatchExpression => ({
  key,
  operator,
  values,
});

describe('parseSelector', () => {
  it.each<[string, MatchExpression[]]>([
    ['', []],
    ['   ', []],
    ['a=b', [e('a', 'eq', 'b')]],
    ['a==b', [e('a', 'eq', 'b')]],
    ['a!=b', [e('a', 'ne', 'b')]],
    ['a in (x,y)', [e('a', 'in', 'x', 'y')]],
    ['a notin (x)', [e('a', 'notin', 'x')]],
    ['a In (x)', [e('a', 'in', 'x')]],
    ['a', [e('a', 'exists')]],
    ['!a', [e('a', 'doesnotexist')]],
    ['a>1', [e('a', 'gt', '1')]],
    ['a<1', [e('a', 'lt', '1')]],
    ['a>=1.2.0', [e('a', 'ge', '1.2.0')]],
    ['a<=2.0.0-rc.1', [e('a', 'le', '2.0.0-rc.1')]],
    ['a<-1.5', [e('a', 'lt', '-1.5')]],
    [
      'kind in (monitoring,logging),core-technology!=elk,version>=1.2.0',
      [e('kind', 'in', 'monitoring', 'logging'), e('core-technology', 'ne', 'elk'), e('version', 'ge', '1.2.0')],
    ],
    [' kind in ( a , b ) , !x , y ', [e('kind', 'in', 'a', 'b'), e('x', 'doesnotexist'), e('y', 'exists')]],
    ['example.com/tier=db', [e('example.com/tier', 'eq', 'db')]],
    ['in=x', [e('in', 'eq', 'x')]],
  ])('%j', (text, expected) => {
    expect(parseSelector(text)).toEqual(expected);
  });

  it.each<[string, number, string]>([
    ['x=a||y=b', 4, 'unexpected "|"'],
    ['x=a&&y=b', 4, 'unexpected "&"'],
    ['!x=a', 3, '"!x" means "x does not exist" and takes no value'],
    ['x<a', 3, 'operator lt needs a number or a version, got "a"'],
    ['x>=latest', 4, 'operator ge needs a number or a version, got "latest"'],
    ['x=', 3, 'expected a value, got end of selector'],
    ['=x', 1, 'expected a label key, got "="'],
    ['a=b,', 5, 'expected a requirement after ","'],
    [',a', 1, 'expected a label key, got ","'],
    ['a in ()', 7, 'operator in needs at least one value'],
    ['a in (x', 8, 'expected "," or ")" in the value list, got end of selector'],
    ['a in x', 6, 'expected "(" after in, got "x"'],
    ['a b', 3, 'expected an operator (=, !=, in, notin, >, >=, <, <=) or "," after "a", got "b"'],
    ['a=b c=d', 5, 'expected "," or end of selector, got "c"'],
    ['a="b"', 3, 'unexpected quote'],
    ['a!', 2, 'unexpected "!"'],
    ['provider,=x', 10, 'expected a label key, got "="'],
    ['-a=b', 1, 'invalid label key "-a"'],
    ['a=b;c', 4, 'unexpected character ";"'],
  ])('%j fails at column %i', (text, column, message) => {
    let error: unknown;
    try {
      parseSelector(text);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SelectorSyntaxError);
    const syntax = error as SelectorSyntaxError;
    expect(syntax.column).toBe(column);
    expect(syntax.message).toBe(`invalid selector ${JSON.stringify(text)} at column ${column}: ${message}`);
    expect(syntax.code).toBe('E_SELECTOR_SYNTAX');
  });

  it('explains that there is no OR', () => {
    expect(() => parseSelector('x=a||y=b')).toThrow(expect.objectContaining({ hint: expect.stringMatching(/no OR/) }));
  });

  it.each(['kind in (infrastructure),provider=azure', 'a!=b,!c,d,e>1,f>=1.2.0,g<2,h<=3,i notin (x,y)'])(
    'formatRequirement(parseSelector(%j)) gives the same text back',
    (text) => {
      expect(formatRequirement(parseSelector(text))).toBe(text);
    },
  );
});
