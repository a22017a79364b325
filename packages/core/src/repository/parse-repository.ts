import { buildRepository, type RawRepository } from './build-model.js';
import { fastReadYaml } from './fast-yaml.js';
import type { Repository } from './model.js';
import { compareProblems, formatPath, hasErrors, type Problem } from './problem.js';
import type { RawProblem } from './raw-problem.js';
import { checkRules } from './rules.js';
import { repositorySchema } from './schema.js';
import { fitsRepositoryShape } from './shape-check.js';
import { findTooDeep, MAX_NESTING } from './yaml-nesting.js';
import { readYaml } from './yaml-source.js';
import { fromZodIssue } from './zod-issues.js';

export interface ParseResult {
  /** Present when there is no error (warnings allowed). */
  value?: Repository;
  /** Every problem found, errors and warnings, in file order. */
  problems: Problem[];
}

/**
 * Parses and validates a repository file's text. Pure: `source` only names the file in problems
 * and in the result. Reports every problem it can find, not just the first.
 */
export function parseRepository(text: string, source: string): ParseResult {
  // Most files are valid and plain: read them fast, and only read them again with positions
  // (much slower on large files) when there is something to report.
  const data = fastReadYaml(text);
  if (data !== undefined && data !== null) {
    // the quick shape check stands in for zod, which is slow on large files and only needed to
    // say what is wrong
    if (fitsRepositoryShape(data) && checkRules(data, { lineOf: () => 0 }).length === 0) {
      return { value: buildRepository(data as RawRepository, source), problems: [] };
    }
  }
  return parseWithPositions(text, source);
}

function parseWithPositions(text: string, source: string): ParseResult {
  // the fast reader gives up past MAX_NESTING levels; the yaml library would run out of stack
  const deep = findTooDeep(text);
  if (deep !== undefined) {
    return {
      problems: [
        {
          file: source,
          ...deep,
          path: '',
          message: `collections nest deeper than ${MAX_NESTING} levels here, more than any repository file needs`,
          severity: 'error',
        },
      ],
    };
  }
  const yaml = readYaml(text);
  const problems: Problem[] = yaml.problems.map((p) => ({ file: source, path: '', ...p }));
  if (yaml.data === undefined) return { problems: problems.sort(compareProblems) };
  if (yaml.data === null) {
    problems.push({
      file: source,
      line: 1,
      col: 1,
      path: '',
      message: 'the repository file is empty',
      hint: 'start it with "version: v1", "kind: Repository" and "components:"',
      severity: 'error',
    });
    return { problems };
  }

  const schema = repositorySchema();
  const raw: RawProblem[] = [];
  const parsed = schema.safeParse(yaml.data);
  if (!parsed.success) {
    const ctx = { data: yaml.data, schema, describe: yaml.describe };
    for (const issue of parsed.error.issues) raw.push(...fromZodIssue(issue, ctx));
  }
  raw.push(...checkRules(yaml.data, { lineOf: (path) => yaml.locate(path).line }));

  // `imagee: ...` already says "did you mean image?": do not also report image as missing
  const suggested = new Set(
    raw.filter((p) => p.suggests !== undefined).map((p) => `${formatPath(p.path.slice(0, -1))}#${p.suggests}`),
  );
  const seen = new Set<string>();
  for (const problem of raw) {
    if (problem.missing !== undefined && suggested.has(`${formatPath(problem.path)}#${problem.missing}`)) continue;
    const { line, col } = yaml.locate(problem.path, problem.at);
    const formatted: Problem = {
      file: source,
      line,
      col,
      path: formatPath(problem.path),
      message: problem.message,
      ...(problem.hint !== undefined ? { hint: problem.hint } : {}),
      severity: problem.severity ?? 'error',
    };
    const id = `${line}:${col}:${formatted.message}`;
    if (!seen.has(id)) {
      seen.add(id);
      problems.push(formatted);
    }
  }
  problems.sort(compareProblems);
  if (hasErrors(problems) || !parsed.success) return { problems };
  return { value: buildRepository(yaml.data as RawRepository, source), problems };
}
