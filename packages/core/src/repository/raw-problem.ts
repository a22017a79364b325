import type { PathSegment } from './problem.js';

/** A problem found on the data, before it is given a file position. */
export interface RawProblem {
  path: readonly PathSegment[];
  /** Point at the map key rather than its value (unknown fields). */
  at?: 'key' | 'value';
  message: string;
  hint?: string;
  severity?: 'error' | 'warning';
  /** For an unknown field: the field it probably meant. */
  suggests?: string;
  /** For a missing field: its name (dropped when an unknown field nearby suggests it). */
  missing?: string;
}

export function getIn(data: unknown, path: readonly PathSegment[]): unknown {
  let node = data;
  for (const segment of path) {
    if (node === null || typeof node !== 'object') return undefined;
    if (!Object.hasOwn(node, segment)) return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}
