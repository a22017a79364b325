// What e's bundle gives for `require('node:child_process')` (scripts/bundle-cli.mjs):
// commander requires it at start but uses it only for stand-alone executable subcommands, which e
// has none of, and loading it (with net and dgram) costs every command ~1-2% of its start. The
// real module is loaded on first use: reading a property, or listing them (as esbuild's interop
// for `import { spawn } from 'node:child_process'` does).
'use strict';
const id = 'node:child_process';
let loaded;
const real = () => {
  loaded ??= require(id);
  return loaded;
};
module.exports = new Proxy(
  {},
  {
    get: (_, key) => real()[key],
    has: (_, key) => key in real(),
    ownKeys: () => Reflect.ownKeys(real()),
    getOwnPropertyDescriptor: (_, key) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(real(), key);
      return descriptor === undefined ? undefined : { ...descriptor, configurable: true };
    },
  },
);
