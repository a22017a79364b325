// What e's bundles give for `import ... from 'yaml'` (scripts/bundle-cli.mjs): the yaml
// library, loaded on first use. The commands that only read parse their files with e's own
// reader (fast-yaml.ts) and a repository from its cache, so most runs of them never need it, and
// its 160 KB in every bundle cost each of them ~2-4 ms to read and set up. Loaded, it comes from
// dist/bundle/yaml.cjs (scripts/bundle-yaml.mjs), through its code cache while that bundle is
// fresh (bin/bundle-loader.js, loadFreshBundle), else from node_modules.
// esbuild's interop binds an imported CommonJS module as an object made on the module's prototype
// with a copy of each of its own properties, in every module of e's that imports it (six in the
// read-only bundle). So the names are getters on the prototype, one per name yaml exports (NAMES;
// lazy-yaml.test.ts checks it against yaml's): binding copies none of them and loads nothing,
// reading one loads the library.
'use strict';
const NAMES = [
  ...['Alias', 'CST', 'Composer', 'Document', 'Lexer', 'LineCounter', 'Pair', 'Parser', 'Scalar', 'Schema'],
  ...['YAMLError', 'YAMLMap', 'YAMLParseError', 'YAMLSeq', 'YAMLWarning'],
  ...['isAlias', 'isCollection', 'isDocument', 'isMap', 'isNode', 'isPair', 'isScalar', 'isSeq'],
  ...['parse', 'parseAllDocuments', 'parseDocument', 'stringify', 'visit', 'visitAsync'],
];

// (a name, not a literal: esbuild would bundle a require('yaml') here, as this file)
const id = 'yaml';
let loaded;
const real = () => {
  loaded ??= bundled() ?? require(id);
  return loaded;
};

/**
 * yaml.cjs beside e's bundle (this file is bundled into it: __dirname is the bundle's directory),
 * run through bin/bundle-loader.js; undefined when there is none (this file is not bundled) or it
 * is stale.
 */
function bundled() {
  const { join } = require('node:path');
  const file = join(__dirname, 'yaml.cjs');
  if (!require('node:fs').existsSync(file)) return undefined;
  return require(join(__dirname, '../../bin/bundle-loader.js')).loadFreshBundle(file)?.exports;
}

const names = {};
for (const name of NAMES) Object.defineProperty(names, name, { enumerable: true, get: () => real()[name] });
module.exports = Object.create(names);
module.exports.NAMES = NAMES;
