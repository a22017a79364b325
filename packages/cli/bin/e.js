#!/usr/bin/env node
// CommonJS (see package.json here): Node starts a CommonJS entry point faster than an ES module.
// `e --version` / `e -v` answer before anything else is loaded; only as the first argument, so
// subcommands stay free to take a --version option of their own.
// `e ... | head` closes the pipe early: stop quietly, as other command-line tools do.
'use strict';
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

const { statSync, readFileSync } = require('node:fs');
const { join } = require('node:path');

const first = process.argv[2];
if ((first === '--version' || first === '-v') && process.argv.length === 3) {
  process.stdout.write(`${JSON.parse(readFileSync(join(__dirname, '../package.json'), 'utf8')).version}\n`);
} else {
  loadMain().then(async (main) => {
    process.exitCode = await main(process.argv);
  });
}

/**
 * e's main: from dist/bundle/e.cjs (e's code, yaml and commander in one file, run through its
 * code cache; `make setup` bundles it right after `tsc -b`) while the bundle is newer than every
 * TypeScript build it was made from; else from dist/main.js, so a `tsc -b` without bundling
 * never runs stale code.
 */
async function loadMain() {
  const mtime = (path) => statSync(join(__dirname, path), { throwIfNoEntry: false })?.mtimeMs;
  const bundled = mtime('../dist/bundle/e.cjs');
  const builds = ['../dist/.tsbuildinfo', '../../core/dist/.tsbuildinfo', '../../module-sdk/dist/.tsbuildinfo'];
  const fresh = bundled !== undefined && builds.every((build) => (mtime(build) ?? Number.POSITIVE_INFINITY) <= bundled);
  if (fresh) return require('./bundle-loader.js').loadBundle(join(__dirname, '../dist/bundle/e.cjs')).exports.main;
  return (await import('../dist/main.js')).main;
}
