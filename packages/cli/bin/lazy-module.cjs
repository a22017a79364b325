// node:module in e's bundles (scripts/bundle-cli.mjs): e's modules call createRequire at their
// top, and loading Node's module loads its ES module loader and source maps with it (~0.8 ms),
// though the commands that only read mostly never require through it. This createRequire gives a
// require that makes Node's own on its first use (a call, .resolve, .cache...).
'use strict';
// (a name, not a literal: the bundling maps node:module to this file)
const id = 'node:module';
let node;
exports.createRequire = (from) => {
  let made;
  const real = () => {
    node ??= require(id);
    made ??= node.createRequire(from);
    return made;
  };
  const required = (request) => real()(request);
  required.resolve = (request, options) => real().resolve(request, options);
  required.resolve.paths = (request) => real().resolve.paths(request);
  for (const name of ['cache', 'main', 'extensions']) {
    Object.defineProperty(required, name, { enumerable: true, get: () => real()[name] });
  }
  return required;
};
