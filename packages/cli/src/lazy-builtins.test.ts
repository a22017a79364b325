import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// bin/lazy-fs-promises.mjs, bin/lazy-os.mjs and bin/lazy-crypto.mjs: what e's bundles import for
// node:fs/promises, node:os and node:crypto (scripts/bundle-cli.mjs), the real module loaded on
// first use. They hold its functions (not its classes: Hash, KeyObject...). Node's loader of ES
// modules itself loads node:fs/promises, so that it stays unloaded is checked on the read-only
// bundle (bundle-routing.test.ts).
describe.each([
  ['lazy-fs-promises.mjs', 'node:fs/promises', undefined, "lazy.readFile(process.argv[1], 'utf8')"],
  ['lazy-os.mjs', 'node:os', 'NativeModule os', 'lazy.hostname()'],
  ['lazy-crypto.mjs', 'node:crypto', 'NativeModule crypto', "lazy.createHash('sha256').update('e').digest('hex')"],
])('bin/%s', (file, id, native, use) => {
  const shim = fileURLToPath(new URL(`../bin/${file}`, import.meta.url));
  const run = (script: string) =>
    JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script, shim], { encoding: 'utf8' }));

  it(`has every function of ${id}, and loads it only when one is called`, () => {
    const answer = run(`const loaded = () => process.moduleLoadList.includes(${JSON.stringify(native ?? 'none')});
const before = loaded();
const lazy = await import(${JSON.stringify(shim)});
const imported = loaded();
const real = await import(${JSON.stringify(id)});
const functions = Object.keys(real).filter((key) => /^[a-z]/.test(key) && typeof real[key] === 'function').sort();
const answer = await ${use};
const expected = await real.${use.slice('lazy.'.length)};
console.log(JSON.stringify({ before, imported, functions: JSON.stringify(functions) === JSON.stringify(Object.keys(lazy).sort()), same: answer === expected }));`);
    expect(answer).toEqual({ before: false, imported: false, functions: true, same: true });
  });
});

// bin/lazy-module.cjs: node:module in e's bundles, whose createRequire gives a require that makes
// Node's own on first use (loading node:module loads Node's ES module loader too). Run from a file:
// `node -e` itself loads node:module.
describe('bin/lazy-module.cjs', () => {
  const shim = fileURLToPath(new URL('../bin/lazy-module.cjs', import.meta.url));

  it("gives a require that loads node:module only when it is used, and requires and resolves as Node's", () => {
    const dir = mkdtempSync(join(tmpdir(), 'e-lazy-module-'));
    try {
      const script = join(dir, 'use.cjs');
      writeFileSync(
        script,
        `const loaded = () => process.moduleLoadList.includes('NativeModule module');
const { createRequire } = require(${JSON.stringify(shim)});
const required = createRequire(${JSON.stringify(shim)});
const before = loaded();
const same = required('./lazy-yaml.cjs') === require(${JSON.stringify(join(dirname(shim), 'lazy-yaml.cjs'))});
const after = loaded();
const resolved = required.resolve('./lazy-os.mjs');
const cache = required.cache === require.cache && required.main === require.main && required.extensions === require.extensions;
console.log(JSON.stringify({ before, same, after, resolved, cache }));`,
      );
      const answer = JSON.parse(execFileSync(process.execPath, [script], { encoding: 'utf8' }));
      expect(answer).toEqual({
        before: false,
        same: true,
        after: true,
        resolved: join(dirname(shim), 'lazy-os.mjs'),
        cache: true,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
