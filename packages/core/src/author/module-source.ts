import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { CaseFileError, formatCaseProblem, isModuleError, type LoadedCase, loadCases } from '@e/module-sdk';
import { RuntimeError } from '../errors.js';

/** A module's source directory as `e module test|validate` need it: its name and test cases. */
export interface ModuleSource {
  /** Absolute path of the module directory (the one holding `tests/`). */
  dir: string;
  name: string;
  /** `version` of its package.json, when it has one. */
  packageVersion?: string;
  cases: LoadedCase[];
}

/**
 * Reads a module directory, or its `tests` directory: the name comes from package.json
 * (`@e-modules/kafka` → `kafka`), else from the directory name.
 */
export async function readModuleSource(path: string): Promise<ModuleSource> {
  const given = resolve(path);
  if (!(await isDirectory(given))) {
    throw new RuntimeError('E_MODULE_DIR', `${path} is not a directory.`, {
      hint: 'Name a module directory that holds tests/*.yml, e.g. modules/kafka.',
    });
  }
  const dir = (await isDirectory(join(given, 'tests')))
    ? given
    : basename(given) === 'tests'
      ? dirname(given)
      : undefined;
  if (dir === undefined) {
    throw new RuntimeError('E_MODULE_DIR', `${path} has no tests directory with test cases.`, {
      hint: 'A module keeps its cases in tests/*.yml (docs/module-tests.md).',
    });
  }
  const pkg = await readPackage(join(dir, 'package.json'));
  const name = pkg?.name?.replace(/^@[^/]+\//, '') || basename(dir);
  let cases: LoadedCase[];
  try {
    cases = await loadCases(dir, { module: name });
  } catch (error) {
    if (error instanceof CaseFileError) {
      // like a repository file's problems: every one, file:line:col path: what to do
      const lines = error.problems.map((p) => formatCaseProblem({ ...p, file: shownPath(p.file) }));
      const files = new Set(error.problems.map((p) => p.file)).size;
      throw new RuntimeError(
        'E_CASE_INVALID',
        `The test cases of ${name} have ${error.problems.length} problem${error.problems.length === 1 ? '' : 's'}${files > 1 ? ` in ${files} files` : ''}:\n  ${lines.join('\n').replaceAll('\n', '\n  ')}`,
        { hint: "The case format, and what a conformance case's given must hold, is in docs/module-tests.md." },
      );
    }
    if (isModuleError(error)) throw new RuntimeError('E_CASE_INVALID', error.message);
    throw error;
  }
  return { dir, name, packageVersion: pkg?.version, cases };
}

/**
 * Where the source of module `name` lives when only its name is given: `modules/<name>`,
 * `test/modules/<name>` or `<name>` beside the repository file, else under the current directory
 * (which may be the module directory itself).
 */
export async function findModuleSource(name: string, repositorySource: string): Promise<ModuleSource | undefined> {
  const roots = /^[a-z]+:\/\//i.test(repositorySource) ? [] : [dirname(resolve(repositorySource))];
  roots.push(process.cwd());
  for (const root of roots) {
    for (const dir of [join(root, 'modules', name), join(root, 'test/modules', name), join(root, name)]) {
      if (await isDirectory(join(dir, 'tests'))) return readModuleSource(dir);
    }
  }
  const here = process.cwd();
  if (await isDirectory(join(here, 'tests'))) {
    const source = await readModuleSource(here);
    if (source.name === name) return source;
  }
  return undefined;
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

async function readPackage(path: string): Promise<{ name?: string; version?: string } | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const json = JSON.parse(text) as { name?: unknown; version?: unknown };
    return {
      name: typeof json.name === 'string' ? json.name : undefined,
      version: typeof json.version === 'string' ? json.version : undefined,
    };
  } catch {
    throw new RuntimeError('E_MODULE_DIR', `${path} is not valid JSON.`);
  }
}

function shownPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel !== '' && !rel.startsWith('..') ? rel : path;
}
