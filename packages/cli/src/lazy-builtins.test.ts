import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// bin/lazy-fs-promises.mjs and bin/lazy-os.mjs: what e's bundles import for node:fs/promises and
// node:os (esbuild --alias, make setup), the real module loaded on first use. Node's loader of ES
// modules itself loads node:fs/promises, so that it stays unloaded is checked on the read-only
// bundle (bundle-routing.test.ts).
describe.each([
  ['lazy-fs-promises.mjs', 'node:fs/promises', undefined, "lazy.readFile(process.argv[1], 'utf8')"],
  ['lazy-os.mjs', 'node:os', 'NativeModule os', 'lazy.hostname()'],
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
const functions = Object.keys(real).filter((key) => key !== 'default' && typeof real[key] === 'function').sort();
const answer = await ${use};
const expected = await real.${use.slice('lazy.'.length)};
console.log(JSON.stringify({ before, imported, functions: JSON.stringify(functions) === JSON.stringify(Object.keys(lazy).sort()), same: answer === expected }));`);
    expect(answer).toEqual({ before: false, imported: false, functions: true, same: true });
  });
});
