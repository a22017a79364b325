import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

interface Loader {
  loadBundle(file: string): { exports: { main(argv: string[]): Promise<number> }; cache: string };
  writeCodeCache(file: string, commands: string[][]): Promise<void>;
}
const require = createRequire(import.meta.url);
const LOADER = require.resolve('../bin/bundle-loader.js');
const loader = require(LOADER) as Loader;

/**
 * What loadBundle makes of the cache, and what main answers, in a fresh Node: V8 keeps what this
 * process compiled, and would not even look at the cache of a source it has seen.
 */
function loadInNode(file: string): { cache: string; answer: number } {
  const script = `const { cache, exports } = require(${JSON.stringify(LOADER)}).loadBundle(${JSON.stringify(file)});
exports.main(['node', 'e']).then((answer) => console.log(JSON.stringify({ cache, answer })));`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })) as {
    cache: string;
    answer: number;
  };
}

/**
 * A stand-in for dist/bundle/e.cjs, in the CommonJS wrapper as make setup writes it: main answers
 * with a number, and counts its runs.
 */
function bundleSource(answer: number): string {
  return `(function (exports, require, module, __filename, __dirname) {let runs = 0;\nexports.main = async (argv) => { runs++; globalThis.eBundleTest = { argv, runs, file: __filename }; return ${answer}; };\n})`;
}

describe('bin/bundle-loader.js: the bundle through its code cache', () => {
  let dir: string;
  let bundle: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'e-bundle-loader-'));
    bundle = join(dir, 'e.cjs');
    writeFileSync(bundle, bundleSource(7));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('runs the bundle without a cache, and with the cache that writeCodeCache made', async () => {
    const first = loader.loadBundle(bundle);
    expect(first.cache).toBe('none');
    expect(await first.exports.main(['node', 'e', 'status'])).toBe(7);
    expect(globalThis).toHaveProperty('eBundleTest.file', bundle);

    await loader.writeCodeCache(bundle, [['status']]);
    expect(globalThis).toHaveProperty('eBundleTest.argv', [process.argv[0], 'e', 'status']);
    const cache = readFileSync(`${bundle}.cache`);
    expect(cache.subarray(0, 12).toString()).toBe('e-code-cache');
    // V8 takes the cache in place only when it is 8-byte aligned: the header line keeps it so
    expect((cache.indexOf('\n') + 1) % 8).toBe(0);
    expect(loadInNode(bundle)).toEqual({ cache: 'used', answer: 7 });
  });

  it('ignores a cache made from another bundle, also one of the same size', async () => {
    await loader.writeCodeCache(bundle, []);
    writeFileSync(bundle, bundleSource(8));
    const later = new Date(statSync(bundle).mtimeMs + 5000);
    utimesSync(bundle, later, later);
    expect(loadInNode(bundle)).toEqual({ cache: 'none', answer: 8 });
  });

  it('compiles the bundle as usual when V8 refuses the cache', async () => {
    await loader.writeCodeCache(bundle, []);
    const data = readFileSync(`${bundle}.cache`);
    const header = data.indexOf('\n') + 1;
    writeFileSync(`${bundle}.cache`, Buffer.concat([data.subarray(0, header), Buffer.from('not a code cache')]));
    expect(loadInNode(bundle)).toEqual({ cache: 'rejected', answer: 7 });
  });
});
