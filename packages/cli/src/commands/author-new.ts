import { stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import {
  baseImageRef,
  checkModuleName,
  enclosingECheckout,
  moduleNamespace,
  moduleSdkVersion,
  prepareRepositoryAppend,
  RuntimeError,
  registryFromEnv,
  type ScaffoldTemplate,
  scaffoldModule,
  writeScaffold,
} from '@e/core';
import type { GlobalOptions } from '../cli.js';
import { emit } from '../output.js';

export interface AuthorNewOptions extends GlobalOptions {
  name: string;
  /** Parent directory; default `modules` when the current directory has one (a module repository such as e's), else `.`. */
  dir?: string;
  version: string;
  template: ScaffoldTemplate;
  image?: string;
  addToRepository?: boolean;
}

/** e module new NAME: writes a standalone module project, then prints (or appends) its repository entry. */
export async function authorNew(options: AuthorNewOptions): Promise<void> {
  const { name, version, template } = options;
  const problem = checkModuleName(name);
  if (problem !== undefined) throw new RuntimeError('E_MODULE_NAME', `${problem}.`);
  if (!/^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?$/.test(version)) {
    throw new RuntimeError('E_VERSION_INVALID', `--version "${version}" is not a semantic version such as 0.1.0.`);
  }
  const parent = resolve(options.dir ?? ((await isDirectory('modules')) ? 'modules' : '.'));
  const dir = join(parent, name);
  const registry = registryFromEnv(process.env);
  const image = options.image ?? `${registry}/${moduleNamespace(parent)}/${name}:${version}`;
  // in e's checkout the SDK is a workspace package; elsewhere it comes from its tarball (or a registry)
  const inE = enclosingECheckout(parent) !== undefined;
  const sdkVersion = moduleSdkVersion();
  const scaffold = scaffoldModule({
    name,
    version,
    image,
    template,
    base: baseImageRef(registry),
    sdk: inE ? sdkVersion : `^${sdkVersion}`,
  });
  // check the repository file before writing anything, so a refusal leaves no half-made module
  const append = options.addToRepository
    ? await prepareRepositoryAppend(options.repository, name, scaffold.entry)
    : undefined;
  await writeScaffold(dir, scaffold);
  await append?.();
  const files = Object.keys(scaffold.files).sort();
  const where = shown(dir);
  const next = [
    ...(template === 'node' && !inE
      ? [
          `  (cd ${where} && npm install /path/to/e-module-sdk-${sdkVersion}.tgz)   # the SDK: npm pack -w @e/module-sdk in e's checkout`,
        ]
      : []),
    `  e module build ${where} --push   # ${image}, linux/amd64 + linux/arm64`,
    `  e module test ${where}`,
    `  e module validate ${name}`,
  ];
  emit(
    options.output,
    {
      module: name,
      template,
      version,
      dir,
      image,
      files,
      entry: scaffold.entry,
      addedTo: options.addToRepository ? options.repository : null,
    },
    () =>
      [
        `Created ${where} (${template}):`,
        ...files.map((f) => `  ${f}`),
        '',
        options.addToRepository
          ? `Added ${name} to ${options.repository}:`
          : `Add this entry under components: of ${options.repository} (or run again with --add-to-repository):`,
        '',
        scaffold.entry,
        'Next:',
        ...next,
      ].join('\n'),
  );
}

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel !== '' && !rel.startsWith('..') ? rel : path;
}
