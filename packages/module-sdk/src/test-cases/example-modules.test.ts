import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { appliesTo } from './case-format.js';
import { loadCases } from './load-cases.js';
import { type RunnerResult, runCase } from './run-case.js';

/**
 * Until `e module test` runs the cases against the images, this proves every example module's
 * cases with plain node: each module is bundled the way the image pipeline does (esbuild, ESM,
 * Node 18) and run with E_SHARED pointing at a throw-away directory.
 */
const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../../', import.meta.url));
const modulesDir = join(root, 'modules');
const sdkSource = join(root, 'packages/module-sdk/src/index.ts');

const moduleNames = (await readdir(modulesDir, { withFileTypes: true }))
  // hello proves the image pipeline; the downloader manages nothing (test/downloader.test.ts runs it)
  .filter((d) => d.isDirectory() && d.name !== 'hello' && d.name !== 'downloader')
  .map((d) => d.name)
  .sort();
const modules = await Promise.all(
  moduleNames.map(async (name) => ({
    name,
    cases: await loadCases(join(modulesDir, name)),
    versions: await versionsOf(name),
  })),
);

interface RepositoryVersion {
  version: string;
  labels?: unknown;
  requires?: unknown;
  influences?: unknown;
}
const repository = parse(await readFile(join(root, 'repository.yml'), 'utf8')) as {
  components: { name: string; versions: RepositoryVersion[] }[];
};

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'e-module-cases-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function bundle(name: string): Promise<string> {
  const outfile = join(work, name, 'module.mjs');
  await run(
    join(root, 'node_modules/.bin/esbuild'),
    [
      join(modulesDir, name, 'src/index.ts'),
      '--bundle',
      '--format=esm',
      '--platform=node',
      '--target=node18',
      `--alias:@e/module-sdk=${sdkSource}`,
      // as the image pipeline does: bundled CommonJS dependencies (yaml) require() Node built-ins
      "--banner:js=import { createRequire as __eCreateRequire } from 'node:module'; const require = __eCreateRequire(import.meta.url);",
      `--outfile=${outfile}`,
      '--log-level=warning',
    ],
    { cwd: root },
  );
  return outfile;
}

async function versionsOf(name: string): Promise<string[]> {
  const pkg = JSON.parse(await readFile(join(modulesDir, name, 'package.json'), 'utf8')) as {
    version: string;
    e?: { versions?: string[] };
  };
  return pkg.e?.versions ?? [pkg.version];
}

describe.each(modules)('module $name', ({ name, cases, versions }) => {
  let bundled: Promise<string>;
  beforeAll(() => {
    bundled = bundle(name);
  });

  it('has test cases, one of them the conformance state', () => {
    expect(cases.length).toBeGreaterThan(0);
    for (const version of versions) {
      expect(cases.some((c) => c.testCase.conformance && appliesTo(c.testCase, version))).toBe(true);
    }
  });

  it.each(versions)('%s metadata equals its repository.yml entry', async (version) => {
    const entry = repository.components
      .find((c) => c.name === name)
      ?.versions.find((v) => String(v.version) === version);
    expect(entry, `repository.yml has no ${name} ${version}`).toBeDefined();
    const { labels, requires, influences } = entry!;
    const printed = await runNode(await bundled, ['metadata'], { E_SHARED: work, E_MODULE_IMAGE_VERSION: version });
    expect(printed.exitCode).toBe(0);
    expect(parse(printed.stdout)).toEqual(JSON.parse(JSON.stringify({ labels, requires, influences })));
  });

  const matrix = versions.flatMap((version) =>
    cases.filter((c) => appliesTo(c.testCase, version)).map((c) => ({ version, ...c })),
  );
  it.each(matrix)('$version $name', async ({ version, name: caseName, testCase }) => {
    const script = await bundled;
    const shared = join(work, name, `${version}-${caseName}`);
    const outcome = await runCase(testCase, {
      shared,
      run: async (step) =>
        runNode(script, [step.command, ...step.args], {
          E_SHARED: shared,
          E_MODULE_IMAGE_VERSION: version,
          ...step.env,
        }),
    });
    expect(outcome.failures, outcome.runs.map((r) => r.stdout + r.stderr).join('\n')).toEqual([]);
  });
});

async function runNode(script: string, args: string[], env: Record<string, string>): Promise<RunnerResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [script, ...args], {
      env: { PATH: process.env.PATH, ...env },
    });
    return { exitCode: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw error;
    return { exitCode: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}
