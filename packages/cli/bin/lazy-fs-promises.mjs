// node:fs/promises in e's bundles (esbuild --alias, see make setup), loaded on first use: e's
// modules import it at their top, but the commands that only read do not use it (they read with
// the synchronous calls).
// A module required after bin/bundle-loader.js set V8's tier-up budget is compiled from source
// (node:fs/promises ~4.4 against ~1.7 ms CPU). An ES module with named exports, so that esbuild
// binds e's named imports to these functions; a CommonJS stand-in would be listed (and loaded)
// by esbuild's interop at once. Only functions: an import of anything else fails the bundling.
import { lazyBuiltin } from './lazy-builtin.mjs';

const lazy = lazyBuiltin('node:fs/promises');

export const access = lazy('access');
export const copyFile = lazy('copyFile');
export const cp = lazy('cp');
export const open = lazy('open');
export const opendir = lazy('opendir');
export const rename = lazy('rename');
export const truncate = lazy('truncate');
export const rm = lazy('rm');
export const rmdir = lazy('rmdir');
export const mkdir = lazy('mkdir');
export const readdir = lazy('readdir');
export const readlink = lazy('readlink');
export const symlink = lazy('symlink');
export const lstat = lazy('lstat');
export const stat = lazy('stat');
export const statfs = lazy('statfs');
export const link = lazy('link');
export const unlink = lazy('unlink');
export const chmod = lazy('chmod');
export const lchmod = lazy('lchmod');
export const lchown = lazy('lchown');
export const chown = lazy('chown');
export const utimes = lazy('utimes');
export const lutimes = lazy('lutimes');
export const realpath = lazy('realpath');
export const mkdtemp = lazy('mkdtemp');
export const writeFile = lazy('writeFile');
export const appendFile = lazy('appendFile');
export const readFile = lazy('readFile');
export const watch = lazy('watch');
