import type { Document, LineCounter } from 'yaml';
import type { z } from 'zod';

/**
 * zod issues as `file:line:col path: message` lines (zod's own message is a JSON dump).
 * `prefix` is the path of the validated value inside the document (e.g. ['kafka']).
 */
export function formatIssues(
  error: z.ZodError,
  where: { file: string; doc?: Document; lineCounter?: LineCounter; prefix: readonly (string | number)[] },
): string[] {
  return error.issues.map((issue) => {
    const path = [...where.prefix, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))];
    return `${locate(where, path)} ${path.join('.') || '(root)'}: ${issue.message}`;
  });
}

function locate(
  where: { file: string; doc?: Document; lineCounter?: LineCounter },
  path: readonly (string | number)[],
): string {
  if (where.doc === undefined || where.lineCounter === undefined) return `${where.file}:`;
  // The nearest node that exists: a missing key is reported at its parent.
  for (let n = path.length; n >= 0; n--) {
    const node = where.doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    if (node?.range !== undefined) {
      const { line, col } = where.lineCounter.linePos(node.range[0]);
      return `${where.file}:${line}:${col}:`;
    }
  }
  return `${where.file}:`;
}
