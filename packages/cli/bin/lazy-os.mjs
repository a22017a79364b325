// node:os in e's bundles (esbuild --alias, see make setup), loaded on first use: e's modules
// import it at their top (tmpdir, hostname), but the commands that only read do not use it.
// A module required after bin/bundle-loader.js set V8's tier-up budget is compiled from source
// (node:fs/promises ~4.4 against ~1.7 ms CPU). An ES module with named exports, so that esbuild
// binds e's named imports to these functions; a CommonJS stand-in would be listed (and loaded)
// by esbuild's interop at once. Only functions: an import of anything else fails the bundling.
import { lazyBuiltin } from './lazy-builtin.mjs';

const lazy = lazyBuiltin('node:os');

export const arch = lazy('arch');
export const availableParallelism = lazy('availableParallelism');
export const cpus = lazy('cpus');
export const endianness = lazy('endianness');
export const freemem = lazy('freemem');
export const getPriority = lazy('getPriority');
export const homedir = lazy('homedir');
export const hostname = lazy('hostname');
export const loadavg = lazy('loadavg');
export const networkInterfaces = lazy('networkInterfaces');
export const platform = lazy('platform');
export const release = lazy('release');
export const setPriority = lazy('setPriority');
export const tmpdir = lazy('tmpdir');
export const totalmem = lazy('totalmem');
export const type = lazy('type');
export const userInfo = lazy('userInfo');
export const uptime = lazy('uptime');
export const version = lazy('version');
export const machine = lazy('machine');
