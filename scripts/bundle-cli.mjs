#!/usr/bin/env node
// e's own bundles in packages/cli/dist/bundle, which make setup builds right after `tsc -b`:
// e.cjs with every command (dist/main.js); e-read.cjs with the commands that only read
// (dist/main-read.js: status, repo list|search|show, state show), which bin/e.js runs for those
// (pg, which they need only with --state, stays out of it); and e-run.cjs with the commands that
// run a module (dist/main-run.js: init, plan, apply, audit, module run...). In these two, the
// dynamic imports of e's own modules are made static (scripts/static-imports.mjs). Each is e's
// code with commander in one CommonJS file, the function Node would wrap a CommonJS module in
// (banner and footer, the banner on the first line so that positions stay those of the file):
// bin/bundle-loader.js compiles it as read, with its code cache (setup makes those next). Some of
// Node's modules and packages are stand-ins loaded on first use (bin/lazy-*): node:child_process,
// which only commander requires at start; node:fs/promises, node:os and node:crypto, which the
// commands that only read do not use; node:module, whose createRequire e's modules call at their
// top (loading Node's module also loads its ES module loader); and yaml, which most runs of those
// never need (from yaml.cjs, scripts/bundle-yaml.mjs).
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { staticImportsPlugin } from './static-imports.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BUNDLES = join(ROOT, 'packages/cli/dist/bundle');
const esbuild = createRequire(import.meta.url)('esbuild');

/** esbuild's options for the bundle of `entry` (in packages/cli/dist) written to `file` in BUNDLES. */
function options(entry, file) {
  const standIn = (name) => join(ROOT, 'packages/cli/bin', name);
  return {
    entryPoints: [join(ROOT, 'packages/cli/dist', entry)],
    outfile: join(BUNDLES, file),
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    minifyWhitespace: true,
    minifySyntax: true,
    // (the bundle has no import(): esbuild turns those into require(), see bin/bundle-loader.js)
    supported: { 'dynamic-import': false },
    external: ['zod', 'listr2', '@viz-js/viz'],
    alias: {
      'node:child_process': standIn('lazy-child-process.cjs'),
      'node:crypto': standIn('lazy-crypto.mjs'),
      'node:fs/promises': standIn('lazy-fs-promises.mjs'),
      'node:module': standIn('lazy-module.cjs'),
      'node:os': standIn('lazy-os.mjs'),
      yaml: standIn('lazy-yaml.cjs'),
    },
    // import.meta.filename is the bundle's file; import.meta.url its URL, made on first use (Node's
    // URL code, ~0.2 ms, for the few commands that ask: createRequire in lazy-require.ts is lazy)
    define: { 'import.meta.url': '__eImportMeta.url', 'import.meta.filename': '__filename' },
    banner: {
      js: "(function (exports, require, module, __filename, __dirname) {const __eImportMeta = { get url() { const url = require('node:url').pathToFileURL(__filename).href; Object.defineProperty(this, 'url', { value: url }); return url; } };",
    },
    footer: { js: '})' },
    logLevel: 'warning',
  };
}

const read = options('main-read.js', 'e-read.cjs');
await Promise.all([
  esbuild.build(options('main.js', 'e.cjs')),
  esbuild.build({ ...read, external: [...read.external, 'pg'], plugins: [staticImportsPlugin()] }),
  esbuild.build({ ...options('main-run.js', 'e-run.cjs'), plugins: [staticImportsPlugin()] }),
]);
