import { quote, SelectorError } from '../errors.js';
import type { MatchExpression, Operator, Requirement } from '../repository/model.js';
import { checkExpression } from './check-expression.js';
import { checkLabelKey } from './label-key.js';

/** A selector string that cannot be parsed; `column` is 1-based. */
export class SelectorSyntaxError extends SelectorError {
  readonly column: number;
  readonly selector: string;

  constructor(selector: string, column: number, message: string, hint?: string) {
    super('E_SELECTOR_SYNTAX', `invalid selector ${quote(selector)} at column ${column}: ${message}`, {
      hint: hint ?? 'write requirements such as kind=db, kind in (a,b), version>=1.2.0, !deprecated; comma means AND',
    });
    this.column = column;
    this.selector = selector;
  }
}

type Token =
  | { kind: 'word'; text: string; at: number }
  | { kind: 'op'; text: '=' | '==' | '!=' | '>' | '>=' | '<' | '<=' | '!'; at: number }
  | { kind: 'punct'; text: ',' | '(' | ')'; at: number }
  | { kind: 'end'; at: number };

const WORD = /[A-Za-z0-9._\-/+~^:@*]/;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ' || c === '\t') {
      i++;
    } else if (c === ',' || c === '(' || c === ')') {
      tokens.push({ kind: 'punct', text: c, at: i });
      i++;
    } else if (c === '=' || c === '!' || c === '>' || c === '<') {
      const two = text.slice(i, i + 2);
      const op = two === '==' || two === '!=' || two === '>=' || two === '<=' ? two : c;
      tokens.push({ kind: 'op', text: op as '=', at: i });
      i += op.length;
    } else if (WORD.test(c)) {
      const start = i;
      while (i < text.length && WORD.test(text[i]!)) i++;
      tokens.push({ kind: 'word', text: text.slice(start, i), at: start });
    } else if (c === '|' || c === '&') {
      throw new SelectorSyntaxError(
        text,
        i + 1,
        `unexpected "${c}"`,
        c === '|'
          ? 'a selector has no OR: use "key in (a,b)" for alternatives; commas separate requirements that must all hold'
          : 'write AND as a comma: kind=db,provider=aws',
      );
    } else if (c === '"' || c === "'") {
      throw new SelectorSyntaxError(text, i + 1, 'unexpected quote', 'selector values are written without quotes');
    } else {
      throw new SelectorSyntaxError(text, i + 1, `unexpected character ${quote(c)}`);
    }
  }
  tokens.push({ kind: 'end', at: text.length });
  return tokens;
}

const BINARY: Readonly<Record<string, Operator>> = {
  '=': 'eq',
  '==': 'eq',
  '!=': 'ne',
  '>': 'gt',
  '>=': 'ge',
  '<': 'lt',
  '<=': 'le',
};

function describe(token: Token): string {
  return token.kind === 'end' ? 'end of selector' : quote(token.text);
}

/**
 * Parses a kubectl-style selector (`kind in (a,b),provider=azure,!deprecated,version>=1.2.0`)
 * into one requirement. The empty string is the empty requirement, which matches everything.
 * Throws SelectorSyntaxError with the column of the first problem.
 */
export function parseSelector(text: string): Requirement {
  const tokens = tokenize(text);
  const expressions: MatchExpression[] = [];
  let pos = 0;
  const peek = (): Token => tokens[pos]!;
  const next = (): Token => tokens[pos++]!;
  const fail = (token: Token, message: string, hint?: string): never => {
    throw new SelectorSyntaxError(text, token.at + 1, message, hint);
  };
  const key = (): string => {
    const token = next();
    if (token.kind !== 'word') return fail(token, `expected a label key, got ${describe(token)}`);
    const problem = checkLabelKey(token.text);
    if (problem) return fail(token, problem.message, problem.hint);
    return token.text;
  };
  const value = (operator: Operator): string => {
    const token = next();
    if (token.kind !== 'word') return fail(token, `expected a value, got ${describe(token)}`);
    const problem = checkExpression(operator, [token.text])[0];
    if (problem) fail(token, problem.message, problem.hint);
    return token.text;
  };

  if (peek().kind === 'end') return [];
  for (;;) {
    const start = peek();
    if (start.kind === 'op' && start.text === '!') {
      next();
      const name = key();
      const after = peek();
      if (after.kind === 'op' || after.kind === 'word') {
        fail(
          after,
          `"!${name}" means "${name} does not exist" and takes no value`,
          `to exclude a value write ${name}!=VALUE`,
        );
      }
      expressions.push({ key: name, operator: 'doesnotexist', values: [] });
    } else {
      const name = key();
      const op = peek();
      if (op.kind === 'op' && op.text !== '!') {
        next();
        const operator = BINARY[op.text]!;
        expressions.push({ key: name, operator, values: [value(operator)] });
      } else if (op.kind === 'word' && (op.text.toLowerCase() === 'in' || op.text.toLowerCase() === 'notin')) {
        next();
        const operator: Operator = op.text.toLowerCase() === 'in' ? 'in' : 'notin';
        const open = next();
        if (open.kind !== 'punct' || open.text !== '(')
          fail(open, `expected "(" after ${operator}, got ${describe(open)}`);
        const values: string[] = [];
        const first = peek();
        if (first.kind === 'punct' && first.text === ')') fail(first, `operator ${operator} needs at least one value`);
        for (;;) {
          values.push(value(operator));
          const sep = next();
          if (sep.kind === 'punct' && sep.text === ')') break;
          if (sep.kind !== 'punct' || sep.text !== ',')
            fail(sep, `expected "," or ")" in the value list, got ${describe(sep)}`);
        }
        expressions.push({ key: name, operator, values });
      } else if (op.kind === 'op' && op.text === '!') {
        fail(
          op,
          'unexpected "!"',
          `to exclude a value write ${name}!=VALUE; to require that ${name} is absent write !${name}`,
        );
      } else if (op.kind === 'word') {
        fail(op, `expected an operator (=, !=, in, notin, >, >=, <, <=) or "," after "${name}", got ${describe(op)}`);
      } else {
        expressions.push({ key: name, operator: 'exists', values: [] });
      }
    }
    const sep = next();
    if (sep.kind === 'end') return expressions;
    if (sep.kind !== 'punct' || sep.text !== ',') fail(sep, `expected "," or end of selector, got ${describe(sep)}`);
    if (peek().kind === 'end') fail(peek(), 'expected a requirement after ","');
  }
}
