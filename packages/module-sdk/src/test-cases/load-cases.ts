import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { ModuleError } from '../errors.js';
import { formatIssues } from '../format-issues.js';
import { type TestCase, testCaseSchema } from './case-format.js';

export interface LoadedCase {
  /** File name without extension. */
  name: string;
  file: string;
  testCase: TestCase;
}

/** Parses one case file; every problem is reported as `file:line:col path: message`. */
export function parseCase(text: string, file: string): TestCase {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  const first = doc.errors[0];
  if (first !== undefined) throw new ModuleError(`${file}: not valid YAML: ${first.message.split('\n')[0]}`);
  const result = testCaseSchema.safeParse(doc.toJS());
  if (result.success) return result.data;
  throw new ModuleError(
    `invalid test case:\n  ${formatIssues(result.error, { file, doc, lineCounter, prefix: [] }).join('\n  ')}`,
  );
}

/** The cases of a module directory: `<dir>/tests/*.yml`, sorted by name. */
export async function loadCases(moduleDir: string): Promise<LoadedCase[]> {
  const dir = join(moduleDir, 'tests');
  const names = (await readdir(dir)).filter((n) => n.endsWith('.yml') || n.endsWith('.yaml')).sort();
  const cases: LoadedCase[] = [];
  for (const n of names) {
    const file = join(dir, n);
    cases.push({ name: n.replace(/\.ya?ml$/, ''), file, testCase: parseCase(await readFile(file, 'utf8'), file) });
  }
  return cases;
}
