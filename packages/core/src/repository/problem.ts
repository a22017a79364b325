/** One thing wrong with an input file, with its position, for `file:line:col path: message`. */
export interface Problem {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  col: number;
  /** Field path such as `components[0].versions[1].image`; empty for YAML syntax errors. */
  path: string;
  message: string;
  hint?: string;
  severity: 'error' | 'warning';
}

export type PathSegment = string | number;

/** `components[0].versions[1].labels.kind` */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z_][\w-]*$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** `file:line:col path: message`, plus the hint on its own indented line. */
export function formatProblem(problem: Problem): string {
  const where = `${problem.file}:${problem.line}:${problem.col}`;
  const level = problem.severity === 'warning' ? 'warning: ' : '';
  const head = `${where}${problem.path === '' ? '' : ` ${problem.path}`}: ${level}${problem.message}`;
  return problem.hint === undefined ? head : `${head}\n  hint: ${problem.hint}`;
}

export function compareProblems(a: Problem, b: Problem): number {
  return a.line - b.line || a.col - b.col || a.message.localeCompare(b.message);
}

export function hasErrors(problems: readonly Problem[]): boolean {
  return problems.some((problem) => problem.severity === 'error');
}
