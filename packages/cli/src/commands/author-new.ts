import { basename, dirname, join, relative, resolve } from 'node:path';
import { checkModuleName, prepareRepositoryAppend, RuntimeError, scaffoldModule, writeScaffold } from '@e/core';
import type { GlobalOptions } from '../cli.js';
import { emit } from '../output.js';

export interface AuthorNewOptions extends GlobalOptions {
  name: string;
  dir: string;
  version: string;
  image?: string;
  addToRepository?: boolean;
}

/** The registry the image pipeline pushes to (scripts/build-images.mjs: E_TEST_REGISTRY, default localhost:5000). */
const REGISTRY = process.env.E_TEST_REGISTRY ?? 'localhost:5000';

/** e module new NAME: writes the module directory, then prints (or appends) its repository entry. */
export async function authorNew(options: AuthorNewOptions): Promise<void> {
  const { name, version } = options;
  const problem = checkModuleName(name);
  if (problem !== undefined) throw new RuntimeError('E_MODULE_NAME', `${problem}.`);
  if (!/^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?$/.test(version)) {
    throw new RuntimeError('E_VERSION_INVALID', `--version "${version}" is not a semantic version such as 0.1.0.`);
  }
  const parent = resolve(options.dir);
  const dir = join(parent, name);
  const image = options.image ?? `${REGISTRY}/${namespaceOf(parent)}/${name}:${version}`;
  const scaffold = scaffoldModule({ name, version, image });
  // check the repository file before writing anything, so a refusal leaves no half-made module
  const append = options.addToRepository
    ? await prepareRepositoryAppend(options.repository, name, scaffold.entry)
    : undefined;
  await writeScaffold(dir, scaffold);
  await append?.();
  const files = Object.keys(scaffold.files).sort();
  emit(
    options.output,
    {
      module: name,
      version,
      dir,
      image,
      files,
      entry: scaffold.entry,
      addedTo: options.addToRepository ? options.repository : null,
    },
    () =>
      [
        `Created ${shown(dir)}:`,
        ...files.map((f) => `  ${f}`),
        '',
        options.addToRepository
          ? `Added ${name} to ${options.repository}:`
          : `Add this entry under components: of ${options.repository} (or run again with --add-to-repository):`,
        '',
        scaffold.entry,
        'Next:',
        `  node scripts/build-images.mjs --only ${name}   # build and push ${image} (amd64 + arm64)`,
        `  e module test ${shown(dir)}`,
        `  e module validate ${name}`,
      ].join('\n'),
  );
}

/** The image pipeline pushes modules/* to <registry>/modules and test/modules/* to <registry>/test-modules. */
function namespaceOf(parent: string): string {
  return basename(parent) === 'modules' && basename(dirname(parent)) === 'test' ? 'test-modules' : 'modules';
}

function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel !== '' && !rel.startsWith('..') ? rel : path;
}
