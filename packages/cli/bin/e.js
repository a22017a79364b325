#!/usr/bin/env node
// `e --version` / `e -v` answer before anything else is loaded; only as the first argument, so
// subcommands stay free to take a --version option of their own.
const first = process.argv[2];
if ((first === '--version' || first === '-v') && process.argv.length === 3) {
  const { readFileSync } = await import('node:fs');
  process.stdout.write(`${JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version}\n`);
} else {
  const { main } = await import('../dist/main.js');
  process.exitCode = await main(process.argv);
}
