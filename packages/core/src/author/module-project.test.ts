import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { declaresArg, dockerfileArgDefault, imageReferences, readModuleProject } from './module-project.js';

describe('dockerfileArgDefault and declaresArg', () => {
  it.each([
    ['ARG BASE=localhost:5000/e/base-node:0.1.0\nFROM $BASE', 'BASE', 'localhost:5000/e/base-node:0.1.0'],
    ['arg MODULE_VERSION="1.2.3"', 'MODULE_VERSION', '1.2.3'],
    ["ARG MODULE_VERSION='1.2.3'", 'MODULE_VERSION', '1.2.3'],
    ['ARG BASE\nFROM $BASE', 'BASE', undefined],
    ['ARG BASE_IMAGE=x', 'BASE', undefined],
    ['FROM debian', 'BASE', undefined],
  ])('%j: %s', (dockerfile, name, value) => {
    expect(dockerfileArgDefault(dockerfile, name)).toBe(value);
  });

  it.each([
    ['ARG BASE\nFROM $BASE', true],
    ['  ARG BASE=x', true],
    ['ARG BASE_IMAGE=x', false],
    ['FROM base', false],
  ])('%j declares BASE: %s', (dockerfile, declared) => {
    expect(declaresArg(dockerfile, 'BASE')).toBe(declared);
  });
});

describe('imageReferences', () => {
  const project = { dir: '/src/modules/kafka', name: 'kafka', versions: ['0.1.0', '0.2.0'] };

  it('names one image per version where the pipeline pushes it', () => {
    expect(imageReferences(project, { registry: 'localhost:5000' })).toEqual([
      { version: '0.1.0', reference: 'localhost:5000/modules/kafka:0.1.0' },
      { version: '0.2.0', reference: 'localhost:5000/modules/kafka:0.2.0' },
    ]);
    expect(
      imageReferences({ ...project, dir: '/src/test/modules/kafka', versions: ['1.0.0'] }, { registry: 'r:1' }),
    ).toEqual([{ version: '1.0.0', reference: 'r:1/test-modules/kafka:1.0.0' }]);
  });

  it('takes --tag as the repository for several versions, or the image for one', () => {
    expect(imageReferences(project, { registry: 'x', tag: 'reg:5000/team/kafka' }).map((r) => r.reference)).toEqual([
      'reg:5000/team/kafka:0.1.0',
      'reg:5000/team/kafka:0.2.0',
    ]);
    expect(imageReferences({ ...project, versions: ['0.1.0'] }, { registry: 'x', tag: 'reg/kafka:rc1' })).toEqual([
      { version: '0.1.0', reference: 'reg/kafka:rc1' },
    ]);
    expect(imageReferences({ ...project, versions: [] }, { registry: 'x', tag: 'reg/kafka:3.0.0' })).toEqual([
      { version: '3.0.0', reference: 'reg/kafka:3.0.0' },
    ]);
    expect(() => imageReferences(project, { registry: 'x', tag: 'reg/kafka:rc1' })).toThrow(
      '--tag reg/kafka:rc1 names one image, but kafka builds 2 versions (0.1.0, 0.2.0).',
    );
  });

  it('refuses a module without a version', () => {
    expect(() => imageReferences({ ...project, versions: [] }, { registry: 'x' })).toThrow(
      'kafka has no version to build.',
    );
  });
});

describe('readModuleProject', () => {
  async function dir(files: Record<string, string>): Promise<string> {
    const root = await mkdtemp(join(tmpdir(), 'e-module-project-'));
    onTestFinished(() => rm(root, { recursive: true, force: true }));
    const module = join(root, 'greeter');
    for (const [path, text] of Object.entries(files)) {
      await mkdir(join(module, path, '..'), { recursive: true });
      await writeFile(join(module, path), text);
    }
    return module;
  }

  it('reads a shell module: name from the directory, version from ARG MODULE_VERSION', async () => {
    const path = await dir({ Dockerfile: 'ARG BASE\nFROM $BASE\nARG MODULE_VERSION=0.3.0\n', 'module.sh': '' });
    const project = await readModuleProject(path);
    expect(project).toMatchObject({ name: 'greeter', versions: ['0.3.0'] });
    expect(project.entry).toBeUndefined();
  });

  it('reads a Node module: name and versions from package.json, the entry point', async () => {
    const path = await dir({
      'package.json': JSON.stringify({ name: '@e-modules/hi', version: '1.0.0', e: { versions: ['1.0.0', '1.1.0'] } }),
      'src/index.ts': '',
    });
    const project = await readModuleProject(path);
    expect(project).toMatchObject({ name: 'hi', versions: ['1.0.0', '1.1.0'], entry: 'src/index.ts' });
    expect(project.dockerfile).toBeUndefined();
  });

  it('refuses a directory with nothing to build', async () => {
    const path = await dir({ 'README.md': '' });
    await expect(readModuleProject(path)).rejects.toThrow(
      'has neither a Dockerfile nor a Node module (package.json and src/index.ts).',
    );
  });
});
