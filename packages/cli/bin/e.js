#!/bin/sh
':' //; [ -z "${NODE_EXTRA_CA_CERTS-}" ] || { export E_DEFERRED_EXTRA_CA_CERTS="$NODE_EXTRA_CA_CERTS"; unset NODE_EXTRA_CA_CERTS; }; exec node -- "$0" "$@"
// The line above is the launcher, for sh (`':'` does nothing there; for Node it is a string and a
// comment): Node reads the file NODE_EXTRA_CA_CERTS names as it starts and builds its whole store
// of root certificates with it, ~40 ms of every command, though most never speak TLS. So sh hands
// the name on as E_DEFERRED_EXTRA_CA_CERTS, this file puts NODE_EXTRA_CA_CERTS back for the
// programs e starts, and e trusts the file's certificates before its first TLS connection, as
// Node does (core's extra-ca-certs.ts). `node e.js`
// skips the launcher: Node then loads the file itself, as before. (biome.json leaves this file
// unformatted: its formatter would end that string with a semicolon, which ends `:` for sh.)
// CommonJS (see package.json here): Node starts a CommonJS entry point faster than an ES module.
// `e --version` / `e -v` answer before anything else is loaded; only as the first argument, so
// subcommands stay free to take a --version option of their own.
// `e ... | head` closes the pipe early: stop quietly, as other command-line tools do. The handler
// is attached when process.stdout is first used, not made here: the commands that only read write
// to a pipe or a file without it (output.ts, writeStdoutDirectly). The streams made are kept in
// `made` (see exitAtOnce).
'use strict';
const made = [];
for (const name of ['stdout', 'stderr']) {
  const standard = Object.getOwnPropertyDescriptor(process, name);
  Object.defineProperty(process, name, {
    configurable: true,
    enumerable: standard.enumerable,
    get() {
      const stream = standard.get.call(process);
      Object.defineProperty(process, name, { configurable: true, enumerable: standard.enumerable, value: stream });
      made.push(stream);
      if (name === 'stdout') {
        stream.on('error', (error) => {
          if (error.code === 'EPIPE') process.exit(0);
          throw error;
        });
      }
      return stream;
    },
  });
}

const deferredCaCerts = process.env.E_DEFERRED_EXTRA_CA_CERTS;
if (deferredCaCerts !== undefined) {
  delete process.env.E_DEFERRED_EXTRA_CA_CERTS;
  process.env.NODE_EXTRA_CA_CERTS = deferredCaCerts;
  globalThis[Symbol.for('e.deferred-extra-ca-certs')] = deferredCaCerts;
}

const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const first = process.argv[2];
if ((first === '--version' || first === '-v') && process.argv.length === 3) {
  process.stdout.write(`${JSON.parse(readFileSync(join(__dirname, '../package.json'), 'utf8')).version}\n`);
} else {
  loadMain().then(async ({ main, readOnly }) => {
    process.exitCode = await main(process.argv);
    if (readOnly) exitAtOnce();
  });
}

/**
 * Ends a command that only read (the read-only bundle's) once it has answered, as process.exit
 * does: Node then skips tearing down its heap and threads, which a natural exit does (~4 ms of
 * `e status`, 80 interleaved runs). Those commands await all they start (the files they read, the
 * repository cache they write synchronously) and write their output before they return. What
 * went through process.stdout or process.stderr to a pipe may still wait in the stream (Node
 * writes pipes asynchronously on POSIX: what a full pipe did not take): then Node ends as usual,
 * after writing it.
 */
function exitAtOnce() {
  if (made.every((stream) => stream.writableLength === 0)) process.exit();
}

/**
 * e's main: from one of the bundles in dist/bundle (e's code and commander in one file, run
 * through its code cache, yaml.cjs beside them; `make setup` bundles them right after `tsc -b`):
 * e-read.cjs for the commands that only read, e-run.cjs for those that run a module, e.cjs for
 * the others, each while it is newer than every TypeScript build it was made from; else from
 * dist/main.js, so a `tsc -b` without bundling never runs stale code (bundle-loader.js,
 * bundleFor). `readOnly`: whether it is the read-only bundle's (exitAtOnce).
 */
async function loadMain() {
  const loader = require('./bundle-loader.js');
  // a module run's early engine request is on its way before the bundle loads (bundle-loader.js)
  await loader.engineRequestSent;
  const bundle = loader.bundleFor(process.argv);
  if (bundle !== undefined) {
    const { main } = loader.loadBundle(bundle).exports;
    if (!loader.isReadOnly(bundle)) return { main, readOnly: false };
    // the read-only bundle runs the command line as the loader read it (parseReadArgs)
    const line = loader.parseReadArgs(process.argv.slice(2));
    return { main: (argv) => main(argv, line), readOnly: true };
  }
  return { main: (await import('../dist/main.js')).main, readOnly: false };
}
