import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const SHIM = require.resolve('../bin/lazy-child-process.cjs');

describe('bin/lazy-child-process.cjs: node:child_process in the bundle, loaded on first use', () => {
  it('loads nothing until used, then is node:child_process (also for esbuild interop that lists keys)', () => {
    const script = `const loaded = () => process.moduleLoadList.includes('NativeModule child_process');
const cp = require(${JSON.stringify(SHIM)});
const atStart = loaded();
const real = require('node:child_process');
const sameKeys = JSON.stringify(Object.keys(cp)) === JSON.stringify(Object.keys(real));
const copy = Object.defineProperties({}, Object.getOwnPropertyDescriptors(cp));
console.log(JSON.stringify({ atStart, sameKeys, spawn: cp.spawn === real.spawn, copied: copy.execFile === real.execFile,
  has: 'fork' in cp, out: cp.execFileSync(process.execPath, ['-e', 'process.stdout.write("hi")']).toString() }));`;
    const answer = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }));
    expect(answer).toEqual({ atStart: false, sameKeys: true, spawn: true, copied: true, has: true, out: 'hi' });
  });
});
