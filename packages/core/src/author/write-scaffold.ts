import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isMap, isSeq, LineCounter, parseDocument } from 'yaml';
import { RuntimeError } from '../errors.js';
import { parseRepository } from '../repository/parse-repository.js';
import { formatProblem } from '../repository/problem.js';
import type { Scaffold } from './scaffold-module.js';

/** Writes the scaffold into `dir`, which must not exist yet; on a failure nothing is left behind. */
export async function writeScaffold(dir: string, scaffold: Scaffold): Promise<void> {
  if (await exists(dir)) {
    throw new RuntimeError('E_MODULE_EXISTS', `${dir} already exists, and e module new does not overwrite anything.`, {
      hint: 'Choose another name, or --dir for another parent directory.',
    });
  }
  try {
    for (const [path, content] of Object.entries(scaffold.files)) {
      const target = join(dir, path);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, content, { flag: 'wx' });
    }
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw new RuntimeError('E_MODULE_WRITE', `Cannot write the module into ${dir}: ${(error as Error).message}.`);
  }
}

/**
 * Prepares appending a component entry to the repository file's `components:` list, keeping every
 * byte of the file as it was: checks everything now and returns the write to do later. Refuses
 * when the module is already listed, when `components` is not the last block list of the file,
 * or when the result would not be valid. A file that does not exist yet is created with the entry.
 */
export async function prepareRepositoryAppend(file: string, name: string, entry: string): Promise<() => Promise<void>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      const created = `${NEW_REPOSITORY}${entry}`;
      checkValid(created, file, name);
      return () => writeFile(file, created, { flag: 'wx' });
    }
    throw new RuntimeError(
      'E_REPOSITORY_READ',
      `Cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`,
    );
  }
  const next = withEntry(text, file, name, entry);
  return () => writeFile(file, next);
}

/** The repository text with `entry` appended to `components:` (pure; see appendRepositoryEntry). */
export function withEntry(text: string, file: string, name: string, entry: string): string {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  const contents = doc.contents;
  const components = doc.get('components', true);
  const lastPair = isMap(contents) ? contents.items[contents.items.length - 1] : undefined;
  if (
    doc.errors.length > 0 ||
    !isMap(contents) ||
    !isSeq(components) ||
    components.flow ||
    lastPair?.value !== components
  ) {
    throw new RuntimeError(
      'E_REPOSITORY_APPEND',
      `${file} does not end with a block list under components:, so e cannot append to it safely.`,
      {
        hint: 'Paste the printed entry under components: yourself.',
      },
    );
  }
  const listed = components.items.some((item) => isMap(item) && item.get('name') === name);
  if (listed) throw new RuntimeError('E_MODULE_LISTED', `${file} already lists a module named ${name}.`);
  const first = components.items[0] as { range?: [number, number, number] } | undefined;
  const itemLine = first?.range ? lineCounter.linePos(first.range[0]).line : undefined;
  const indent = itemLine === undefined ? '  ' : (/^(\s*)-/.exec(text.split('\n')[itemLine - 1] ?? '')?.[1] ?? '  ');
  const reindented = entry
    .split('\n')
    .map((line) => (line === '' ? line : `${indent}${line.slice(2)}`))
    .join('\n');
  const next = `${text}${text.endsWith('\n') || text === '' ? '' : '\n'}${reindented}`;
  checkValid(next, file, name);
  return next;
}

/** The start of a repository file e module new creates. */
const NEW_REPOSITORY = 'version: v1\nkind: Repository\ncomponents:\n';

function checkValid(text: string, file: string, name: string): void {
  const parsed = parseRepository(text, file);
  const errors = parsed.problems.filter((p) => p.severity === 'error');
  if (parsed.value === undefined || errors.length > 0) {
    throw new RuntimeError(
      'E_REPOSITORY_APPEND',
      `Appending ${name} would make ${file} invalid: ${errors.map(formatProblem).join('; ')}.`,
    );
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
