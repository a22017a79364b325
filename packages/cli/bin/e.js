#!/usr/bin/env node
// `e --version` / `e -v` answer before anything else is loaded; only as the first argument, so
// subcommands stay free to take a --version option of their own.
// `e ... | head` closes the pipe early: stop quietly, as other command-line tools do.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

const first = process.argv[2];
if ((first === '--version' || first === '-v') && process.argv.length === 3) {
  const { readFileSync } = await import('node:fs');
  process.stdout.write(`${JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version}\n`);
} else {
  const { main } = await import(await entryPoint());
  process.exitCode = await main(process.argv);
}

/**
 * dist/bundle/main.js (e's own code, yaml and commander in a few files, which loads ~50 ms faster;
 * `make setup` bundles it right after `tsc -b`) while it is newer than every TypeScript build it was
 * made from; else dist/main.js, so a `tsc -b` without bundling never runs stale code.
 */
async function entryPoint() {
  const { statSync } = await import('node:fs');
  const mtime = (path) => statSync(new URL(path, import.meta.url), { throwIfNoEntry: false })?.mtimeMs;
  const bundled = mtime('../dist/bundle/main.js');
  const builds = ['../dist/.tsbuildinfo', '../../core/dist/.tsbuildinfo', '../../module-sdk/dist/.tsbuildinfo'];
  const fresh = bundled !== undefined && builds.every((build) => (mtime(build) ?? Number.POSITIVE_INFINITY) <= bundled);
  return fresh ? '../dist/bundle/main.js' : '../dist/main.js';
}
