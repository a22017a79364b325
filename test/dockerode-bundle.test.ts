import { cpSync, existsSync, mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { E_BIN, e, ROOT, tempShared } from './support/run-e.js';
import { expectNoEContainers, requireTestImages } from './support/runtime-fixtures.js';

beforeAll(requireTestImages);
afterAll(expectNoEContainers);

const CLI = join(ROOT, 'packages/cli');
const BUNDLED = join(CLI, 'dist/bundle/dockerode.cjs');

/**
 * `e module run hello plan` from the CLI whose bin/e.js is given, with NODE_DEBUG=module, which
 * names every file Node's require loads: dockerode loaded from node_modules shows there, the
 * bundled one (compiled by bin/bundle-loader.js from dist/bundle/dockerode.cjs) does not.
 */
async function runHello(bin: string): Promise<{ fromNodeModules: boolean }> {
  const shared = tempShared();
  const result = await e(['-r', join(ROOT, 'repository.yml'), '-s', shared, 'module', 'run', 'hello', 'plan'], {
    env: { NODE_DEBUG: 'module' },
    bin,
  });
  expect(result.exitCode, result.stderr.slice(-2000)).toBe(0);
  expect(result.stdout).toContain('hello | hello from plan on x64');
  return { fromNodeModules: /node_modules\/(dockerode|docker-modem)\/lib\/\w+\.js/.test(result.stderr) };
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
    expect(await runHello(E_BIN)).toEqual({ fromNodeModules: false });
    expect(await runHello(join(copy, 'bin/e.js'))).toEqual({ fromNodeModules: false });
  });

  it('is not used once a file it was made from is newer: dockerode then comes from node_modules', async () => {
    // as if dockerode (or the stand-ins) had changed since: the bundle is older than its inputs
    const bundled = join(copy, 'dist/bundle/dockerode.cjs');
    utimesSync(bundled, new Date(1_000_000), new Date(1_000_000));
    expect(await runHello(join(copy, 'bin/e.js'))).toEqual({ fromNodeModules: true });
  });

  it('is not used without the list of what it was made from', async () => {
    rmSync(join(copy, 'dist/bundle/dockerode.cjs.inputs'));
    expect(await runHello(join(copy, 'bin/e.js'))).toEqual({ fromNodeModules: true });
  });
});
