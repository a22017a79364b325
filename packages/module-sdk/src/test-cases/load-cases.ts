import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { ModuleError } from '../errors.js';
import { type TestCase, testCaseSchema } from './case-format.js';
import { type CaseProblem, caseProblems, formatCaseProblem } from './case-problems.js';

export interface LoadedCase {
  /** File name without extension. */
  name: string;
  file: string;
  testCase: TestCase;
}

export interface CaseOptions {
  /** The module the case is for: a conformance case's `given` must not hold its section or files. */
  module?: string;
}

/** Case files with mistakes: `problems` has every one of them, each with file:line:col. */
export class CaseFileError extends ModuleError {
  readonly problems: readonly CaseProblem[];

  constructor(problems: readonly CaseProblem[]) {
    const files = new Set(problems.map((p) => p.file)).size;
    super(
      `${problems.length} problem${problems.length === 1 ? '' : 's'} in ${files === 1 ? 'a test case' : `${files} test cases`}:\n  ${problems
        .map((p) => formatCaseProblem(p).replaceAll('\n', '\n  '))
        .join('\n  ')}`,
      { hint: 'The case format is in docs/module-tests.md.' },
    );
    this.name = 'CaseFileError';
    this.problems = problems;
  }
}

/**
 * Checks one case file: the case, or every problem as `file:line:col path: message` with what to
 * do. Never throws for a bad case (pure).
 */
export function checkCase(
  text: string,
  file: string,
  options: CaseOptions = {},
): { value?: TestCase; problems: CaseProblem[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  if (doc.errors.length > 0) {
    return {
      problems: doc.errors.map((error) => {
        const at = error.linePos?.[0] ?? { line: 1, col: 1 };
        return {
          file,
          line: at.line,
          col: at.col,
          path: '',
          message: `not valid YAML: ${error.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '')}`,
        };
      }),
    };
  }
  const result = testCaseSchema.safeParse(doc.toJS());
  if (!result.success) return { problems: caseProblems(result.error, { file, doc, lineCounter }) };
  const problems = options.module === undefined ? [] : conformanceProblems(result.data, options.module);
  const located = problems.map(({ path, message, hint }) => {
    const node = doc.getIn(path, true) as { range?: [number, number, number] } | undefined;
    const at = node?.range ? lineCounter.linePos(node.range[0]) : { line: 1, col: 1 };
    return { file, line: at.line, col: at.col, path: path.join('.'), message, hint };
  });
  return located.length > 0 ? { problems: located } : { value: result.data, problems: [] };
}

/**
 * `e module validate` runs init → plan → apply → plan → audit on a conformance case's `given`, so it
 * must be the platform before the module is installed: plan after init must propose changes, and
 * "init writes the config" must be init's doing.
 */
function conformanceProblems(testCase: TestCase, module: string): { path: string[]; message: string; hint: string }[] {
  if (!testCase.conformance) return [];
  const hint = `a conformance case's given is the platform before ${module} is installed: the sections and files of the modules it needs`;
  const problems: { path: string[]; message: string; hint: string }[] = [];
  if (testCase.given.state !== undefined && module in testCase.given.state) {
    problems.push({
      path: ['given', 'state', module],
      message: `must not be here: ${module} is not installed yet`,
      hint,
    });
  }
  for (const path of Object.keys(testCase.given.files)) {
    if (path === `${module}-config.yml` || path.startsWith(`${module}/`)) {
      problems.push({ path: ['given', 'files', path], message: `must not be here: it is ${module}'s own file`, hint });
    }
  }
  return problems;
}

/** Parses one case file; throws a CaseFileError listing every problem. */
export function parseCase(text: string, file: string, options: CaseOptions = {}): TestCase {
  const { value, problems } = checkCase(text, file, options);
  if (value === undefined) throw new CaseFileError(problems);
  return value;
}

/** The cases of a module directory: `<dir>/tests/*.yml`, sorted by name; the problems of all files at once. */
export async function loadCases(moduleDir: string, options: CaseOptions = {}): Promise<LoadedCase[]> {
  const dir = join(moduleDir, 'tests');
  const names = (await readdir(dir)).filter((n) => n.endsWith('.yml') || n.endsWith('.yaml')).sort();
  const cases: LoadedCase[] = [];
  const problems: CaseProblem[] = [];
  for (const n of names) {
    const file = join(dir, n);
    const checked = checkCase(await readFile(file, 'utf8'), file, options);
    problems.push(...checked.problems);
    if (checked.value !== undefined) cases.push({ name: n.replace(/\.ya?ml$/, ''), file, testCase: checked.value });
  }
  if (problems.length > 0) throw new CaseFileError(problems);
  return cases;
}
