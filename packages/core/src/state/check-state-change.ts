import { isDeepStrictEqual } from 'node:util';
import { RESERVED_STATE_KEY } from '../repository/model.js';
import { parseStateText, type StateData, type StateParse } from './state-file.js';

export interface StateChangeInput {
  /** The state text before the run (`''` when there was no state.yml). */
  before: string;
  /** The state text after the run; undefined when the module removed state.yml. */
  after: string | undefined;
  /** The module that ran; it owns the top-level section of the same name. */
  module: string;
  /** Other top-level sections it may change: the modules it requires or influences. */
  allowedSections?: readonly string[];
  /** `before` already parsed (a large state is parsed once, not once per check). */
  beforeParsed?: StateParse;
}

export interface StateChangeReport {
  /** `after` parsed, when it was (for the caller to reuse). */
  afterParsed?: StateParse;
  /** True when the module kept every rule and its changes may stay. */
  ok: boolean;
  /** One clause per broken rule, naming what the module did ("kafka deleted section azi"). */
  problems: string[];
  /** Top-level sections whose content changed, added or removed (in order of appearance). */
  changedSections: string[];
}

const MAX_PATHS = 3;

/**
 * Decides whether what a module left in state.yml may stay: the state must still be a mapping,
 * e's reserved records untouched, and only the module's own and the allowed sections changed.
 * Sections are compared by value, so a module may re-format the file as its YAML library likes.
 */
export function checkStateChange(input: StateChangeInput): StateChangeReport {
  const { module } = input;
  const before = input.beforeParsed ?? parseStateText(input.before);
  if (!before.ok) {
    return {
      ok: false,
      problems: [`state.yml was already invalid before ${module} ran: ${before.problem}`],
      changedSections: [],
    };
  }
  if (input.after === undefined) {
    const hadSections = Object.keys(before.data).length > 0;
    return hadSections
      ? { ok: false, problems: [`${module} deleted state.yml`], changedSections: Object.keys(before.data) }
      : { ok: true, problems: [], changedSections: [] };
  }
  // most runs (plan, audit) leave the file as it was: same text, same valid state, nothing changed
  if (input.after === input.before) return { ok: true, problems: [], changedSections: [] };
  const after = parseStateText(input.after);
  if (!after.ok) {
    const what = after.reason === 'not-a-mapping' ? 'a mapping' : 'valid YAML';
    return { ok: false, problems: [`state.yml is no longer ${what}: ${after.problem}`], changedSections: [] };
  }
  const afterParsed = after;
  const allowed = new Set([module, ...(input.allowedSections ?? [])]);
  allowed.delete(RESERVED_STATE_KEY);
  const changedSections = changedTopLevelKeys(before.data, after.data);
  const problems: string[] = [];
  for (const key of changedSections) {
    if (allowed.has(key)) continue;
    problems.push(describeChange(module, key, before.data, after.data));
  }
  return { ok: problems.length === 0, problems, changedSections, afterParsed };
}

/** Top-level keys whose values differ, were added or were removed, in order of appearance. */
export function changedTopLevelKeys(before: StateData, after: StateData): string[] {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  return keys.filter((key) => !(key in before && key in after && isDeepStrictEqual(before[key], after[key])));
}

function describeChange(module: string, key: string, before: StateData, after: StateData): string {
  const reserved = key === RESERVED_STATE_KEY;
  const subject = reserved ? "e's reserved records" : `section ${key}`;
  if (!(key in after)) return `${module} deleted ${subject}`;
  if (!(key in before)) return `${module} added ${reserved ? `e's reserved section "${key}"` : subject}`;
  const paths = changedPaths(before[key], after[key], key);
  const shown = paths.slice(0, MAX_PATHS).join(', ');
  const more = paths.length > MAX_PATHS ? ` and ${paths.length - MAX_PATHS} more` : '';
  return `${module} ${reserved ? 'edited' : 'changed'} ${subject} (${shown}${more})`;
}

/** The paths (`azi.nodes[0].ip`) at which two plain values differ, outermost first. */
export function changedPaths(before: unknown, after: unknown, path: string): string[] {
  if (isDeepStrictEqual(before, after)) return [];
  if (Array.isArray(before) && Array.isArray(after)) {
    if (before.length !== after.length) return [path];
    return before.flatMap((item, i) => changedPaths(item, after[i], `${path}[${i}]`));
  }
  if (isPlainObject(before) && isPlainObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    return keys.flatMap((k) => {
      const sub = `${path}.${k}`;
      if (!(k in before) || !(k in after)) return [sub];
      return changedPaths(before[k], after[k], sub);
    });
  }
  return [path];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Map);
}
