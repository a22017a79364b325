import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import { type Document, isMap, LineCounter, parseDocument } from 'yaml';
import { ModuleError } from './errors.js';

/** Where a module run reads and writes (docs/module-contract.md). */
export interface SharedPaths {
  shared: string;
  state: string;
  config: string;
  /**
   * The module's mocked "remote" side: files a real module would keep on remote machines. Kept
   * under `<shared>/<module>/` because e merges back only what a module owns (docs/module-authors.md).
   */
  remote: string;
}

export function sharedPaths(module: string, env: Readonly<Record<string, string | undefined>>): SharedPaths {
  const shared = nonEmpty(env.E_SHARED) ?? '/shared';
  return {
    shared,
    state: nonEmpty(env.E_STATE) ?? join(shared, 'state.yml'),
    config: join(shared, `${module}-config.yml`),
    remote: join(shared, module, 'remote'),
  };
}

/** A YAML file as a document (for editing) plus its plain value (for handlers). */
export interface YamlFile {
  path: string;
  exists: boolean;
  doc: Document;
  lineCounter: LineCounter;
}

export async function readYamlFile(path: string): Promise<YamlFile> {
  const text = await readTextIfExists(path);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text ?? '', { lineCounter });
  const first = doc.errors[0];
  if (first !== undefined) {
    const pos = first.linePos?.[0];
    const at = pos === undefined ? path : `${path}:${pos.line}:${pos.col}`;
    throw new ModuleError(`${at}: not valid YAML: ${first.message.split('\n')[0]}`);
  }
  if (doc.contents !== null && !isMap(doc.contents)) {
    throw new ModuleError(`${path}: expected a YAML mapping at the top level`);
  }
  return { path, exists: text !== undefined, doc, lineCounter };
}

/** The document's plain value; an empty file is an empty mapping. */
export function plainValue(file: YamlFile): Record<string, unknown> {
  const value = file.doc.toJS() as unknown;
  return value === null || value === undefined ? {} : (value as Record<string, unknown>);
}

/** Writes a temporary file next to `path`, then renames it over `path`: readers never see half a file. */
export async function writeFileAtomic(path: string, content: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(temp, content, { flag: 'wx' });
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** Every file under `dir` as relative path (with `/`) → content; an absent dir is empty. */
export async function readTree(dir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  const walk = async (current: string): Promise<void> => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(current, { withFileTypes: true });
    } catch (error) {
      if (isNotFound(error)) return;
      throw error;
    }
    for (const entry of entries) {
      const full = join(current, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) files[relative(dir, full).split(sep).join('/')] = await readFile(full, 'utf8');
    }
  };
  await walk(dir);
  return files;
}

/** Makes `dir` hold exactly `files` (relative path → content): writes what differs, removes the rest. */
export async function replaceTree(dir: string, files: Readonly<Record<string, string>>): Promise<void> {
  const current = await readTree(dir);
  for (const path of Object.keys(current)) {
    if (!(path in files)) await rm(join(dir, path), { force: true });
  }
  for (const [path, content] of Object.entries(files)) {
    const target = join(dir, path);
    if (relative(dir, target).startsWith('..') || path.startsWith('/')) {
      throw new ModuleError(`remote file "${path}" is outside the module's remote directory`);
    }
    if (current[path] !== content) await writeFileAtomic(target, content);
  }
  await removeEmptyDirs(dir);
}

async function removeEmptyDirs(dir: string): Promise<boolean> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if (isNotFound(error)) return true;
    throw error;
  }
  let empty = true;
  for (const entry of entries) {
    if (entry.isDirectory() && (await removeEmptyDirs(join(dir, entry.name)))) continue;
    empty = false;
  }
  if (empty) await rm(dir, { recursive: true, force: true });
  return empty;
}

async function readTextIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw new ModuleError(`cannot read ${path}: ${(error as Error).message}`);
  }
}

function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
