// node:os in e's bundles (scripts/bundle-cli.mjs), loaded on first use: e's modules
// import it at their top (tmpdir, hostname), but the commands that only read do not use it.
// A module required after bin/bundle-loader.js set V8's tier-up budget is compiled from source
// (node:fs/promises ~4.4 against ~1.7 ms CPU). An ES module with named exports, so that esbuild
// binds e's named imports to these functions; a CommonJS stand-in would be listed (and loaded)
// by esbuild's interop at once. Only functions: an import of anything else fails the bundling.
import { lazyBuiltin } from './lazy-builtin.mjs';

const lazy = lazyBuiltin('node:os');

export const arch = /* @__PURE__ */ lazy('arch');
export const availableParallelism = /* @__PURE__ */ lazy('availableParallelism');
export const cpus = /* @__PURE__ */ lazy('cpus');
export const endianness = /* @__PURE__ */ lazy('endianness');
export const freemem = /* @__PURE__ */ lazy('freemem');
export const getPriority = /* @__PURE__ */ lazy('getPriority');
export const homedir = /* @__PURE__ */ lazy('homedir');
export const hostname = /* @__PURE__ */ lazy('hostname');
export const loadavg = /* @__PURE__ */ lazy('loadavg');
export const networkInterfaces = /* @__PURE__ */ lazy('networkInterfaces');
export const platform = /* @__PURE__ */ lazy('platform');
export const release = /* @__PURE__ */ lazy('release');
export const setPriority = /* @__PURE__ */ lazy('setPriority');
export const tmpdir = /* @__PURE__ */ lazy('tmpdir');
export const totalmem = /* @__PURE__ */ lazy('totalmem');
export const type = /* @__PURE__ */ lazy('type');
export const userInfo = /* @__PURE__ */ lazy('userInfo');
export const uptime = /* @__PURE__ */ lazy('uptime');
export const version = /* @__PURE__ */ lazy('version');
export const machine = /* @__PURE__ */ lazy('machine');
