import { isPlainObject } from '../update-document.js';

/**
 * Where `actual` fails to contain `expected`: mappings need every expected key (extra keys are
 * fine), sequences need the same length and each item to match, scalars must be equal.
 * Returns one message per mismatch; empty means it matches.
 */
export function matchSubset(expected: unknown, actual: unknown, path = ''): string[] {
  const at = path === '' ? '(root)' : path;
  if (isPlainObject(expected)) {
    if (!isPlainObject(actual)) return [`${at}: expected a mapping, got ${show(actual)}`];
    return Object.entries(expected).flatMap(([k, v]) =>
      k in actual ? matchSubset(v, actual[k], join(path, k)) : [`${join(path, k)}: missing (expected ${show(v)})`],
    );
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return [`${at}: expected a sequence, got ${show(actual)}`];
    if (actual.length !== expected.length) {
      return [`${at}: expected ${expected.length} item(s), got ${actual.length}`];
    }
    return expected.flatMap((v, i) => matchSubset(v, actual[i], join(path, String(i))));
  }
  return Object.is(expected, actual) ? [] : [`${at}: expected ${show(expected)}, got ${show(actual)}`];
}

function show(value: unknown): string {
  return value === undefined ? 'nothing' : JSON.stringify(value);
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}
