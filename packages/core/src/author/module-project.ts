import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { RuntimeError } from '../errors.js';
import { checkModuleName } from './scaffold-module.js';

/** A module directory as `e module build` sees it. */
export interface ModuleProject {
  /** Absolute path. */
  dir: string;
  name: string;
  /** The versions to build (package.json `e.versions`, else its `version`, else the Dockerfile's `ARG MODULE_VERSION=`). */
  versions: string[];
  /** The module's own Dockerfile, or undefined: e's default Dockerfile for Node modules. */
  dockerfile?: string;
  /** `src/index.ts|mjs|js` of a Node module (one with a package.json): bundled before the build. */
  entry?: string;
}

/** e's Dockerfile for a Node module without one: the bundle and `files/` at /module. */
export const DEFAULT_DOCKERFILE = `ARG BASE
FROM \${BASE}
ARG MODULE_VERSION
ENV E_MODULE_IMAGE_VERSION=\${MODULE_VERSION}
COPY . /module/
WORKDIR /shared
ENTRYPOINT ["node", "/module/module.mjs"]
`;

const ENTRIES = ['src/index.ts', 'src/index.mjs', 'src/index.js'];

/**
 * Reads what a build needs from a module directory: a Dockerfile (any language), or a Node
 * module's package.json and entry point. The name comes from package.json (`@e-modules/kafka` →
 * `kafka`), else from the directory.
 */
export async function readModuleProject(path: string): Promise<ModuleProject> {
  const dir = resolve(path);
  if (!(await isDirectory(dir))) throw new RuntimeError('E_MODULE_DIR', `${path} is not a directory.`);
  const pkg = await readPackage(join(dir, 'package.json'));
  const dockerfile = await readOptional(join(dir, 'Dockerfile'));
  let entry: string | undefined;
  if (pkg !== undefined) {
    for (const candidate of ENTRIES) if (await isFile(join(dir, candidate))) entry ??= candidate;
  }
  if (dockerfile === undefined && entry === undefined) {
    throw new RuntimeError(
      'E_MODULE_DIR',
      `${path} has neither a Dockerfile nor a Node module (package.json and src/index.ts).`,
      {
        hint: 'e module new NAME --template shell|node writes a module that builds; docs/module-layout.md describes both.',
      },
    );
  }
  const name = (typeof pkg?.name === 'string' ? pkg.name.replace(/^@[^/]+\//, '') : '') || basename(dir);
  const problem = checkModuleName(name);
  if (problem !== undefined) throw new RuntimeError('E_MODULE_NAME', `${problem}.`);
  const versions = packageVersions(pkg) ?? dockerfileArgDefault(dockerfile ?? '', 'MODULE_VERSION');
  return {
    dir,
    name,
    versions: typeof versions === 'string' ? [versions] : (versions ?? []),
    ...(dockerfile !== undefined ? { dockerfile } : {}),
    ...(entry !== undefined ? { entry } : {}),
  };
}

/** The default of `ARG NAME=value` in a Dockerfile, or undefined (no such ARG, or no default). */
export function dockerfileArgDefault(dockerfile: string, name: string): string | undefined {
  for (const line of dockerfile.split(/\r?\n/)) {
    const match = new RegExp(`^\\s*ARG\\s+${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|(\\S+))\\s*$`, 'i').exec(line);
    if (match) return match[1] ?? match[2] ?? match[3];
  }
  return undefined;
}

/** Whether the Dockerfile declares `ARG NAME` (with or without a default). */
export function declaresArg(dockerfile: string, name: string): boolean {
  return new RegExp(`^\\s*ARG\\s+${name}(\\s*=|\\s*$)`, 'im').test(dockerfile);
}

/**
 * Where the image of each version goes: `--tag REF` (one version; a REF without a tag gets
 * `:<version>`), else `<registry>/<namespace>/<name>:<version>` with the namespace the image
 * pipeline uses (`test-modules` for test/modules/*, else `modules`).
 */
export function imageReferences(
  project: Pick<ModuleProject, 'dir' | 'name' | 'versions'>,
  options: { registry: string; tag?: string },
): { version: string; reference: string }[] {
  const { tag } = options;
  let versions = project.versions;
  if (tag !== undefined) {
    const colon = tag.lastIndexOf(':');
    const tagged = colon > tag.lastIndexOf('/') && !tag.includes('@');
    if (tag.includes('@')) {
      throw new RuntimeError(
        'E_USAGE',
        `--tag ${tag} names a digest; name a tag, e.g. localhost:5000/modules/${project.name}:0.1.0.`,
      );
    }
    if (tagged) {
      if (versions.length > 1) {
        throw new RuntimeError(
          'E_USAGE',
          `--tag ${tag} names one image, but ${project.name} builds ${versions.length} versions (${versions.join(', ')}).`,
          { hint: `Name the repository only (--tag ${tag.slice(0, colon)}): each version gets its own tag.` },
        );
      }
      if (versions.length === 0) versions = [tag.slice(colon + 1)];
      return [{ version: versions[0] as string, reference: tag }];
    }
    return versions.map((version) => ({ version, reference: `${tag}:${version}` }));
  }
  if (versions.length === 0) {
    throw new RuntimeError('E_MODULE_VERSION', `${project.name} has no version to build.`, {
      hint: 'Give package.json a "version", or the Dockerfile an ARG MODULE_VERSION=0.1.0, or pass --tag REF:VERSION.',
    });
  }
  const namespace = moduleNamespace(dirname(project.dir));
  return versions.map((version) => ({
    version,
    reference: `${options.registry}/${namespace}/${project.name}:${version}`,
  }));
}

/** The image pipeline pushes modules/* to <registry>/modules and test/modules/* to <registry>/test-modules. */
export function moduleNamespace(parent: string): string {
  return basename(parent) === 'modules' && basename(dirname(parent)) === 'test' ? 'test-modules' : 'modules';
}

interface PackageJson {
  name?: unknown;
  version?: unknown;
  e?: { versions?: unknown };
}

function packageVersions(pkg: PackageJson | undefined): string[] | undefined {
  if (pkg === undefined) return undefined;
  const listed = pkg.e?.versions;
  if (Array.isArray(listed) && listed.every((v) => typeof v === 'string') && listed.length > 0) return listed;
  return typeof pkg.version === 'string' ? [pkg.version] : undefined;
}

async function readPackage(path: string): Promise<PackageJson | undefined> {
  const text = await readOptional(path);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as PackageJson;
  } catch {
    throw new RuntimeError('E_MODULE_DIR', `${path} is not valid JSON.`);
  }
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}
