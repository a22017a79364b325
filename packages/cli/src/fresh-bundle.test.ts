import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

interface Loader {
  loadFreshBundle(file: string): { exports: { answer: number }; cache: string } | undefined;
  writeBundleCache(file: string, use: (exports: { answer: number }) => Promise<void>): Promise<void>;
}
const loader = createRequire(import.meta.url)('../bin/bundle-loader.js') as Loader;

/** A stand-in for dist/bundle/dockerode.cjs, in the CommonJS wrapper as scripts/bundle-dockerode.mjs writes it. */
const bundleSource = (answer: number) =>
  `(function (exports, require, module, __filename, __dirname) {module.exports = { answer: ${answer} };\n})`;

describe('bin/bundle-loader.js: a bundle of packages, run only while it is fresh', () => {
  let dir: string;
  let bundle: string;
  const at = (file: string, seconds: number) => utimesSync(file, seconds, seconds);
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'e-fresh-bundle-'));
    bundle = join(dir, 'bundle', 'dockerode.cjs');
    writeFileSync(join(dir, 'input.js'), '');
    at(join(dir, 'input.js'), 1_000);
    writeFileSync(join(dir, 'other.js'), '');
    at(join(dir, 'other.js'), 1_000);
    mkdirSync(join(dir, 'bundle'));
    writeFileSync(bundle, bundleSource(7));
    at(bundle, 2_000);
    writeFileSync(`${bundle}.inputs`, JSON.stringify(['../input.js', '../other.js']));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('runs the bundle while it is newer than every file it was made from, through its code cache once made', async () => {
    expect(loader.loadFreshBundle(bundle)).toEqual({ exports: { answer: 7 }, cache: 'none' });
    let used: unknown;
    await loader.writeBundleCache(bundle, async (exports) => {
      used = exports;
    });
    expect(used).toEqual({ answer: 7 });
    // (V8 does not look at the cache of a source this process compiled already: only its header is checked here)
    expect(loader.loadFreshBundle(bundle)?.cache).not.toBe('none');
  });

  it('never runs a stale bundle: one file it was made from is newer, or missing, or the list is', () => {
    at(join(dir, 'other.js'), 3_000);
    expect(loader.loadFreshBundle(bundle)).toBeUndefined();
    at(join(dir, 'other.js'), 1_000);
    expect(loader.loadFreshBundle(bundle)?.exports).toEqual({ answer: 7 });
    rmSync(join(dir, 'input.js'));
    expect(loader.loadFreshBundle(bundle)).toBeUndefined();
    writeFileSync(`${bundle}.inputs`, JSON.stringify(['../other.js']));
    expect(loader.loadFreshBundle(bundle)?.exports).toEqual({ answer: 7 });
    rmSync(`${bundle}.inputs`);
    expect(loader.loadFreshBundle(bundle)).toBeUndefined();
    expect(loader.loadFreshBundle(join(dir, 'missing.cjs'))).toBeUndefined();
  });
});
