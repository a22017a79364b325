import { type Document, isMap, isScalar, type LineCounter } from 'yaml';
import type { z } from 'zod';

/** One mistake in a case file, where it is and what to do: `tests/plan.yml:4:3 expect.exitCode: required; add exitCode: 0|2`. */
export interface CaseProblem {
  file: string;
  line: number;
  col: number;
  /** Dotted path in the case (`run.1.command`), empty for the whole file. */
  path: string;
  message: string;
  hint?: string;
}

export function formatCaseProblem(problem: CaseProblem): string {
  const head = `${problem.file}:${problem.line}:${problem.col}${problem.path ? ` ${problem.path}` : ''}: ${problem.message}`;
  return problem.hint === undefined ? head : `${head}\n  hint: ${problem.hint}`;
}

type Issue = z.core.$ZodIssue;
type Path = (string | number)[];

const FIELDS: Readonly<Record<string, readonly string[]>> = {
  '': ['description', 'versions', 'conformance', 'given', 'run', 'expect'],
  given: ['state', 'files'],
  run: ['command', 'args', 'env', 'exitCode'],
  expect: ['exitCode', 'state', 'files', 'absent', 'stdout', 'stderr'],
};

/** What to add for a required field that is missing, by its name. */
const ADD: Readonly<Record<string, { add: string; hint?: string }>> = {
  exitCode: {
    add: 'exitCode: 0|2',
    hint: 'the exit code the last step must end with: 0 worked (plan: no changes, audit: clean), 2 plan proposes changes, 3 audit found drift, 1 an error',
  },
  run: { add: 'run: {command: init}', hint: 'one step, or a list of steps run in order' },
  expect: { add: 'expect: {exitCode: 0}', hint: 'at least the exit code of the last step' },
  command: {
    add: 'command: init',
    hint: 'a command of the module: metadata, init, plan, apply, audit, or one of its own',
  },
};

/** The zod issues of a case as problems a person can act on (zod's own texts are not meant for them). */
export function caseProblems(error: z.ZodError, where: { file: string; doc: Document; lineCounter: LineCounter }) {
  const data = where.doc.toJS() as unknown;
  return error.issues
    .flatMap((issue) => problemsOf(issue, [], data))
    .map(({ path, message, hint, atKey }) => ({
      file: where.file,
      ...locate(where, path, atKey === true),
      path: path.join('.'),
      message,
      ...(hint !== undefined ? { hint } : {}),
    }));
}

interface RawProblem {
  path: Path;
  message: string;
  hint?: string;
  /** Report where the key is written (an unknown field), not its value. */
  atKey?: boolean;
}

function problemsOf(issue: Issue, prefix: Path, data: unknown): RawProblem[] {
  const path = [...prefix, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))] as Path;
  const value = getIn(data, path);
  const name = path[path.length - 1];
  if (issue.code === 'unrecognized_keys') {
    const allowed = FIELDS[fieldsKey(path)] ?? [];
    return issue.keys.map((key) => {
      const guess = closest(key, allowed);
      return {
        path: [...path, key],
        atKey: true,
        message: `unknown field ${JSON.stringify(key)}${guess ? ` — did you mean "${guess}"?` : ''}`,
        ...(allowed.length > 0 ? { hint: `allowed fields here: ${allowed.join(', ')}` } : {}),
      };
    });
  }
  // `run` is one step or a list of steps: explain the alternative the value was meant to be
  if (issue.code === 'invalid_union' && value !== null && typeof value === 'object') {
    const meant = issue.errors[Array.isArray(value) ? 1 : 0];
    if (meant !== undefined && meant.length > 0) return meant.flatMap((inner) => problemsOf(inner, path, data));
  }
  if (value === undefined && typeof name === 'string') {
    const add = ADD[name];
    return [
      {
        path,
        message: add ? `required; add ${add.add}` : 'required',
        ...(add?.hint !== undefined ? { hint: add.hint } : {}),
      },
    ];
  }
  if (issue.code === 'invalid_union' && path.length === 1 && name === 'run') {
    return [
      {
        path,
        message: `must be one step or a list of steps, got ${describe(value)}`,
        hint: 'run: {command: plan}, or run: [{command: init}, {command: plan, exitCode: 2}]',
      },
    ];
  }
  if (issue.code === 'invalid_type') {
    const expected = issue.expected === 'int' ? 'a whole number' : (EXPECTED[issue.expected] ?? issue.expected);
    const hint =
      path.join('.') === 'given.state'
        ? 'the content of state.yml: a map of sections, e.g. {azi: {status: applied}}'
        : undefined;
    return [{ path, message: `must be ${expected}, got ${describe(value)}`, ...(hint ? { hint } : {}) }];
  }
  if (issue.code === 'too_small' && Array.isArray(value)) {
    return [{ path, message: 'must list at least one step' }];
  }
  if (issue.code === 'invalid_format' || issue.code === 'invalid_value' || issue.code === 'too_small') {
    return [{ path, message: `${describe(value)} is not allowed here` }];
  }
  return [{ path, message: issue.message }];
}

const EXPECTED: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a map',
  record: 'a map',
};

/** `run.1` and `run` share the fields of a step; list indexes do not count. */
function fieldsKey(path: Path): string {
  return path.filter((p) => typeof p === 'string').join('.');
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'string') return JSON.stringify(value);
  return String(value);
}

function getIn(data: unknown, path: Path): unknown {
  let node = data;
  for (const segment of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}

/** The nearest node of the path that exists: a missing key is reported where its parent starts. */
function locate(
  where: { doc: Document; lineCounter: LineCounter },
  path: Path,
  atKey: boolean,
): { line: number; col: number } {
  if (atKey && path.length > 0) {
    const parent = where.doc.getIn(path.slice(0, -1), true);
    const pair = isMap(parent)
      ? parent.items.find((item) => isScalar(item.key) && item.key.value === path[path.length - 1])
      : undefined;
    const range = (pair?.key as { range?: [number, number, number] } | undefined)?.range;
    if (range !== undefined) return where.lineCounter.linePos(range[0]);
  }
  for (let n = path.length; n >= 0; n--) {
    const node = where.doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    if (node?.range !== undefined) return where.lineCounter.linePos(node.range[0]);
  }
  return { line: 1, col: 1 };
}

/** A field within two edits of `input` (case-insensitive), for "did you mean". */
function closest(input: string, candidates: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of candidates) {
    const distance = editDistance(input.toLowerCase(), name.toLowerCase());
    if (distance <= 2 && (best === undefined || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j] as number;
      row[j] = Math.min(above + 1, (row[j - 1] as number) + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length] as number;
}
