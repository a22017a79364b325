// node:fs/promises in e's bundles (scripts/bundle-cli.mjs), loaded on first use: e's
// modules import it at their top, but the commands that only read do not use it (they read with
// the synchronous calls).
// A module required after bin/bundle-loader.js set V8's tier-up budget is compiled from source
// (node:fs/promises ~4.4 against ~1.7 ms CPU). An ES module with named exports, so that esbuild
// binds e's named imports to these functions; a CommonJS stand-in would be listed (and loaded)
// by esbuild's interop at once. Only functions: an import of anything else fails the bundling.
import { lazyBuiltin } from './lazy-builtin.mjs';

const lazy = lazyBuiltin('node:fs/promises');

export const access = /* @__PURE__ */ lazy('access');
export const copyFile = /* @__PURE__ */ lazy('copyFile');
export const cp = /* @__PURE__ */ lazy('cp');
export const open = /* @__PURE__ */ lazy('open');
export const opendir = /* @__PURE__ */ lazy('opendir');
export const rename = /* @__PURE__ */ lazy('rename');
export const truncate = /* @__PURE__ */ lazy('truncate');
export const rm = /* @__PURE__ */ lazy('rm');
export const rmdir = /* @__PURE__ */ lazy('rmdir');
export const mkdir = /* @__PURE__ */ lazy('mkdir');
export const readdir = /* @__PURE__ */ lazy('readdir');
export const readlink = /* @__PURE__ */ lazy('readlink');
export const symlink = /* @__PURE__ */ lazy('symlink');
export const lstat = /* @__PURE__ */ lazy('lstat');
export const stat = /* @__PURE__ */ lazy('stat');
export const statfs = /* @__PURE__ */ lazy('statfs');
export const link = /* @__PURE__ */ lazy('link');
export const unlink = /* @__PURE__ */ lazy('unlink');
export const chmod = /* @__PURE__ */ lazy('chmod');
export const lchmod = /* @__PURE__ */ lazy('lchmod');
export const lchown = /* @__PURE__ */ lazy('lchown');
export const chown = /* @__PURE__ */ lazy('chown');
export const utimes = /* @__PURE__ */ lazy('utimes');
export const lutimes = /* @__PURE__ */ lazy('lutimes');
export const realpath = /* @__PURE__ */ lazy('realpath');
export const mkdtemp = /* @__PURE__ */ lazy('mkdtemp');
export const writeFile = /* @__PURE__ */ lazy('writeFile');
export const appendFile = /* @__PURE__ */ lazy('appendFile');
export const readFile = /* @__PURE__ */ lazy('readFile');
export const watch = /* @__PURE__ */ lazy('watch');
