import { stringify } from 'yaml';
import { isPlainObject } from './update-document.js';

/** One difference a plan shows: `path` is dotted (`kafka.clusterNodes.1.state`). */
export interface Change {
  action: 'add' | 'change' | 'remove';
  path: string;
  from?: unknown;
  to?: unknown;
}

/**
 * The changes that turn `current` into `desired`, leaf by leaf. Mappings are compared key by key,
 * sequences index by index; anything else is compared by value.
 */
export function diffValues(current: unknown, desired: unknown, path = ''): Change[] {
  if (current === undefined && desired === undefined) return [];
  if (current === undefined) return [{ action: 'add', path, to: desired }];
  if (desired === undefined) return [{ action: 'remove', path, from: current }];
  if (isPlainObject(current) && isPlainObject(desired)) {
    const keys = [...new Set([...Object.keys(current), ...Object.keys(desired)])];
    return keys.flatMap((k) => diffValues(current[k], desired[k], join(path, k)));
  }
  if (Array.isArray(current) && Array.isArray(desired)) {
    const length = Math.max(current.length, desired.length);
    const changes: Change[] = [];
    for (let i = 0; i < length; i++) changes.push(...diffValues(current[i], desired[i], join(path, String(i))));
    return changes;
  }
  if (isPlainObject(current) || isPlainObject(desired) || Array.isArray(current) || Array.isArray(desired)) {
    return [{ action: 'change', path, from: current, to: desired }];
  }
  return Object.is(current, desired) ? [] : [{ action: 'change', path, from: current, to: desired }];
}

/**
 * Drift between what the module expects in its mocked remote and what is there, file by file:
 * both are maps of relative path → content.
 */
export function diffFiles(
  expected: Readonly<Record<string, string>>,
  actual: Readonly<Record<string, string>>,
): Change[] {
  const paths = [...new Set([...Object.keys(expected), ...Object.keys(actual)])].sort();
  const changes: Change[] = [];
  for (const p of paths) {
    const e = expected[p];
    const a = actual[p];
    if (e === a) continue;
    if (a === undefined) changes.push({ action: 'remove', path: p, from: e });
    else if (e === undefined) changes.push({ action: 'add', path: p, to: a });
    else changes.push({ action: 'change', path: p, from: e, to: a });
  }
  return changes;
}

/** `+ path: value`, `~ path: from -> to`, `- path` — one line per change. */
export function formatChange(change: Change): string {
  const at = change.path === '' ? '(root)' : change.path;
  switch (change.action) {
    case 'add':
      return `+ ${at}: ${inline(change.to)}`;
    case 'remove':
      return `- ${at}: ${inline(change.from)}`;
    case 'change':
      return `~ ${at}: ${inline(change.from)} -> ${inline(change.to)}`;
  }
}

function inline(value: unknown): string {
  if (typeof value === 'string' && value.includes('\n')) return `(${value.split('\n').length} lines)`;
  return stringify(value, { collectionStyle: 'flow', lineWidth: 0 }).trim();
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/**
 * The changes an apply would make: `module`'s own section becoming `section`, and each other
 * section in `sections` (e.g. infrastructure nodes it claims) becoming its new value.
 */
export function diffEffects(
  state: Readonly<Record<string, unknown>>,
  module: string,
  effects: { section: unknown; sections?: Readonly<Record<string, unknown>> },
): Change[] {
  return [
    ...diffValues(state[module], effects.section, module),
    ...Object.entries(effects.sections ?? {}).flatMap(([name, value]) => diffValues(state[name], value, name)),
  ];
}
