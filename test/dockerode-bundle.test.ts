import { cpSync, existsSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { E_BIN, e, ROOT, tempShared } from './support/run-e.js';
import { expectNoEContainers, requireTestImages } from './support/runtime-fixtures.js';

beforeAll(requireTestImages);
afterAll(expectNoEContainers);

const CLI = join(ROOT, 'packages/cli');
const BUNDLED = join(CLI, 'dist/bundle/dockerode.cjs');

/**
 * `e module run hello plan` from the CLI whose bin/e.js is given, with NODE_DEBUG=module, which
 * names every file Node's require loads: dockerode loaded from node_modules shows there, the
 * bundled one (compiled by bin/bundle-loader.js from dist/bundle/dockerode.cjs) does not. A
 * preload lists the Node built-ins the run loaded, at its exit.
 */
async function runHello(
  bin: string,
): Promise<{ fromNodeModules: boolean; yamlFromNodeModules: boolean; builtins: string[] }> {
  const shared = tempShared();
  const preload = join(shared, '..', `${basename(shared)}-builtins.cjs`);
  writeFileSync(
    preload,
    "process.on('exit', () => process.stderr.write('builtins ' + process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13)).join(' ') + '\\n'));\n",
  );
  onTestFinished(() => rmSync(preload, { force: true }));
  const result = await e(['-r', join(ROOT, 'repository.yml'), '-s', shared, 'module', 'run', 'hello', 'plan'], {
    env: { NODE_DEBUG: 'module', NODE_OPTIONS: `--require ${preload}` },
    bin,
  });
  expect(result.exitCode, result.stderr.slice(-2000)).toBe(0);
  expect(result.stdout).toContain('hello | hello from plan on x64');
  return {
    fromNodeModules: /node_modules\/(dockerode|docker-modem)\/lib\/\w+\.js/.test(result.stderr),
    // yaml, which a run needs for the state, comes from dist/bundle/yaml.cjs too (scripts/bundle-yaml.mjs)
    yamlFromNodeModules: /node_modules\/yaml\//.test(result.stderr),
    builtins: /^builtins (.*)$/m.exec(result.stderr)?.[1]?.split(' ') ?? [],
  };
}

describe('the bundled dockerode (make setup: scripts/bundle-dockerode.mjs)', () => {
  let copy: string;
  beforeEach(() => {
    // make setup made it, with the list of what it was made from and its code cache
    for (const file of [BUNDLED, `${BUNDLED}.inputs`, `${BUNDLED}.cache`]) expect(existsSync(file), file).toBe(true);
    // a copy of the built CLI beside packages/cli (so that node_modules and packages/core resolve
    // as from there), with the same modification times: its bundles are as fresh as the originals
    copy = mkdtempSync(join(ROOT, 'packages/.e-bundle-test-'));
    for (const part of ['bin', 'package.json', 'dist/.tsbuildinfo', 'dist/bundle']) {
      cpSync(join(CLI, part), join(copy, part), { recursive: true, preserveTimestamps: true });
    }
  });
  afterEach(() => rmSync(copy, { recursive: true, force: true }));

  it('is what a module run uses while it is fresh: nothing of dockerode is loaded from node_modules', async () => {
    const run = await runHello(E_BIN);
    expect(run.fromNodeModules).toBe(false);
    expect(run.yamlFromNodeModules).toBe(false);
    expect(run.builtins).toContain('http');
    // what neither e nor the bundled dockerode loads for a local engine and an http registry
    for (const unused of ['https', 'tls', 'zlib', 'child_process']) expect(run.builtins).not.toContain(unused);
    expect(await runHello(join(copy, 'bin/e.js'))).toMatchObject({ fromNodeModules: false });
  });

  it('is not used once a file it was made from is newer: dockerode then comes from node_modules', async () => {
    // as if dockerode (or the stand-ins) had changed since: the bundle is older than its inputs
    const bundled = join(copy, 'dist/bundle/dockerode.cjs');
    utimesSync(bundled, new Date(1_000_000), new Date(1_000_000));
    expect(await runHello(join(copy, 'bin/e.js'))).toMatchObject({ fromNodeModules: true });
  });

  it('and yaml.cjs beside it likewise: yaml comes from node_modules once the bundle is older than yaml', async () => {
    expect(await runHello(join(copy, 'bin/e.js'))).toMatchObject({ yamlFromNodeModules: false });
    const bundled = join(copy, 'dist/bundle/yaml.cjs');
    utimesSync(bundled, new Date(1_000_000), new Date(1_000_000));
    expect(await runHello(join(copy, 'bin/e.js'))).toMatchObject({ yamlFromNodeModules: true });
  });

  it('is not used without the list of what it was made from', async () => {
    rmSync(join(copy, 'dist/bundle/dockerode.cjs.inputs'));
    expect(await runHello(join(copy, 'bin/e.js'))).toMatchObject({ fromNodeModules: true });
  });
});
