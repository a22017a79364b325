// Runs e's bundle (dist/bundle/e.cjs, which `make setup` builds: one function, as Node wraps a
// CommonJS module) with V8's code cache: the bundle compiled once, at setup, is saved next to it
// (e.cjs.cache) and reused, so a command does not parse and compile e's code again. Node 20 has no
// code cache for ES modules, hence CommonJS and vm.Script. The cache is used only while it was
// made from the bundle as it is now (same size and modification time); V8 also refuses one made
// by another Node or V8 flags. Without a usable cache the bundle is compiled as usual: the cache
// only saves time.
// There are three bundles (make setup): e.cjs with every command, e-read.cjs with the commands
// that only read and e-run.cjs with those that run a module; bundleFor says which one a command
// line runs, or that none is fresh.
'use strict';
const { existsSync, readFileSync, renameSync, statSync, writeFileSync } = require('node:fs');
const { basename, dirname, join, resolve } = require('node:path');
const vm = require('node:vm');

// The require a bundle gets: from Node's Module (this module's constructor), which has
// createRequire too; node:module would load Node's ES module loader and source maps with it
// (~0.8 ms), which no command of e's uses.
const createRequire = module.constructor.createRequire ?? require('node:module').createRequire;

// V8 optimises a function with TurboFan once it has run a budget of bytecode (67,584 by default).
// In a command that reads repository.yml (14 KB) the YAML reader's small character loops reach it
// and are compiled on a second thread (~25 M instructions, ~550 page faults: 3-4% of `node -e 0`)
// for a run that is over before the optimised code pays. Eight times the budget leaves them to
// the interpreter; a long run still optimises them (`e module install` of 8,000 modules: the same
// CPU time, 3.69 s in 6 interleaved pairs, and fewer page faults). Set here, before the bundle is
// compiled, because it also decides which code cache V8 accepts: the cache is made
// (--write-cache) and used with the same flags. That holds for the code cache Node keeps of its
// own modules too: one required after this is compiled from source, function by function
// (node:fs/promises ~4.4 against ~1.7 ms CPU); the commands that only read require neither it
// nor node:os (bin/lazy-fs-promises.mjs, bin/lazy-os.mjs); a module run requires the ones it
// needs before it (RUN_BUILTINS). Set below, once the command line is read.
// --no-minor-gc-task: V8 otherwise schedules a young-generation collection as a task once new
// space is 80% full; a command that only reads fills that much and then ran a ~2-3 ms collection
// before exiting, which it never needed (one at a full new space still happens, as always).
// The flags are set through Node's binding (what node:v8's setFlagsFromString calls): node:v8
// itself loads Node's heap snapshot code and with it the streams (~4 ms of CPU for a command
// that never uses them). That binding is deprecated (DEP0111, a warning): without it, node:v8.
const V8_FLAGS = '--interrupt-budget=540672 --no-minor-gc-task';
const setV8Flags = () => {
  const quiet = process.noDeprecation;
  process.noDeprecation = true;
  let binding;
  try {
    binding = process.binding('v8');
  } catch {
    // a Node without it
  } finally {
    process.noDeprecation = quiet;
  }
  if (typeof binding?.setFlagsFromString === 'function') binding.setFlagsFromString(V8_FLAGS);
  else require('node:v8').setFlagsFromString(V8_FLAGS);
};

/**
 * The bundle with every command, the one with the commands that only read (main-read.ts), and the
 * one with the commands that run a module (main-run.ts).
 */
const FULL = 'e.cjs';
const READ_ONLY = 'e-read.cjs';
const RUN = 'e-run.cjs';

// The command lines that the read-only bundle (dist/bundle/e-read.cjs) answers without commander:
// e status, e repo list|search|show and e state show, with e's global options (program.ts) in the
// forms commander reads alike. bundleFor runs that bundle only for a line that parseReadArgs
// reads, and bin/e.js hands the bundle's main what it read: the bundle runs the command from that
// (main-read.ts). Anything else (help, an option it does not know, a missing or doubtful value, an
// option given twice, too many or too few arguments, `--`) is left to the full bundle, whose
// commander answers it: with the command's output, its help or its error. Commander's load,
// program and parse were ~1 ms of the ~7 ms that `e status` took above `node -e 0`. What
// parseReadArgs gives must be what commander gives for the same line: each option's value and
// where it came from (`cli`, `default`); read-args.test.ts compares the two on many lines. (Here
// and not in a file of its own: one file fewer to find, read and compile on every start.)

/** e's global options that take a value (program.ts): flag -> option name. */
const GLOBAL_VALUES = new Map([
  ['-r', 'repository'],
  ['--repository', 'repository'],
  ['-s', 'shared'],
  ['--shared', 'shared'],
  ['-o', 'output'],
  ['--output', 'output'],
  ['--platform', 'platform'],
  ['--state', 'state'],
  ['--env', 'env'],
  ['--engine', 'engine'],
]);

/**
 * Whether this is -r, -s or -o with its value in the same word (-rFILE), as commander reads it.
 * (Not a regular expression: a first run compiles one, ~30 µs.)
 */
function shortWithValue(arg) {
  return arg.length > 2 && arg[0] === '-' && (arg[1] === 'r' || arg[1] === 's' || arg[1] === 'o');
}

/** The values -o takes (program.ts: its choices). */
const OUTPUTS = new Set(['text', 'json', 'yaml']);

/** The commands: how many arguments each takes, and its own flags (program.ts, register-read.ts). */
const COMMANDS = new Map([
  ['status', { min: 0, max: 0, flags: [] }],
  ['repo list', { min: 0, max: 0, flags: [] }],
  ['repo search', { min: 0, max: 1, flags: ['latest'] }],
  ['repo show', { min: 1, max: 1, flags: [] }],
  ['state show', { min: 0, max: 1, flags: [] }],
]);

/** The global options' values before the command line: their defaults, as program.ts gives them. */
function globalDefaults(env) {
  const values = {
    repository: env.E_REPOSITORY ?? './repository.yml',
    shared: env.E_SHARED ?? './shared',
    output: 'text',
    env: env.E_ENV ?? 'default',
    debug: false,
  };
  if (env.E_PLATFORM !== undefined) values.platform = env.E_PLATFORM;
  return values;
}

/**
 * The read command these arguments (argv without node and e) run, or undefined when the full
 * bundle must answer them. `globals` and `options` (the command's own) hold each option's value
 * and `sources` where it came from: 'cli' for one on the line, else 'default'.
 */
function parseReadArgs(args, env = process.env) {
  const globals = { values: globalDefaults(env), sources: {} };
  for (const key of Object.keys(globals.values)) globals.sources[key] = 'default';
  const options = { values: {}, sources: {} };
  const words = [];
  const given = (target, key, value) => {
    if (target.sources[key] === 'cli') return false; // given twice: commander keeps the last, left to it
    target.values[key] = value;
    target.sources[key] = 'cli';
    return true;
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    let key;
    let value;
    if (GLOBAL_VALUES.has(arg)) {
      key = GLOBAL_VALUES.get(arg);
      value = args[++i];
    } else if (arg.startsWith('--') && arg.includes('=')) {
      key = GLOBAL_VALUES.get(arg.slice(0, arg.indexOf('=')));
      value = arg.slice(arg.indexOf('=') + 1);
    } else if (shortWithValue(arg)) {
      key = GLOBAL_VALUES.get(arg.slice(0, 2));
      value = arg.slice(2);
    } else if (arg === '--debug') {
      if (!given(globals, 'debug', true)) return undefined;
      continue;
    } else if (arg === '--latest' && words[0] === 'repo' && words[1] === 'search') {
      if (!given(options, 'latest', true)) return undefined;
      continue;
    } else if (arg.startsWith('-') || arg === 'help') {
      return undefined;
    } else {
      words.push(arg);
      continue;
    }
    // a value that is missing, empty or looks like an option: commander's own reading decides
    if (key === undefined || value === undefined || value === '' || value.startsWith('-')) return undefined;
    if (key === 'output' && !OUTPUTS.has(value)) return undefined;
    if (!given(globals, key, value)) return undefined;
  }
  const command = words[0] === 'status' ? 'status' : `${words[0]} ${words[1]}`;
  const shape = COMMANDS.get(command);
  if (shape === undefined) return undefined;
  const operands = words.slice(command.split(' ').length);
  if (operands.length < shape.min || operands.length > shape.max) return undefined;
  for (const flag of shape.flags) {
    if (options.sources[flag] === undefined) {
      options.values[flag] = false;
      options.sources[flag] = 'default';
    }
  }
  return { command, operands, globals, options };
}

/** Whether the read-only bundle answers these arguments (argv without node and e): parseReadArgs reads them. */
function readOnlyCommand(args) {
  return parseReadArgs(args) !== undefined;
}

/** Whether the arguments ask for help (or any of `more`): then commander answers, from the full bundle. */
function asksHelp(args, more = []) {
  return args.some((arg) => arg === '--help' || arg === '-h' || arg === 'help' || more.includes(arg));
}

/** Where the command starts in these arguments (argv without node and e): after the global options. */
function commandStart(args) {
  let i = 0;
  while (i < args.length) {
    const arg = args[i];
    if (GLOBAL_VALUES.has(arg)) i += 2;
    else if (arg === '--debug' || shortWithValue(arg) || GLOBAL_VALUES.has(arg.split('=', 1)[0] ?? '')) i++;
    else break;
  }
  return i;
}

/** The commands that run a module (register-runtime.ts), and Node's modules every run requires. */
const RUN_COMMANDS = new Set([
  ...['init', 'plan', 'apply', 'audit'],
  ...['module init', 'module plan', 'module apply', 'module audit', 'module run'],
]);
const RUN_BUILTINS = ['node:http', 'node:crypto', 'node:fs/promises', 'node:worker_threads', 'node:readline/promises'];

/**
 * Whether these arguments run a module: the engine over HTTP, hashes, the state's writes
 * (write-file-atomic: worker_threads), the confirmation prompt. Then RUN_BUILTINS are required
 * before the tier-up budget, with Node's own code cache (loaded alone, these and node:dns took ~12
 * against ~25-40 ms of CPU); not for help, nor for `e plan --show`, which only reads a plan file.
 */
function runsModule(args) {
  const i = commandStart(args);
  const command = args[i] === 'module' ? `module ${args[i + 1]}` : args[i];
  return RUN_COMMANDS.has(command) && !asksHelp(args, ['--show']);
}

/** Where the loader leaves the engine request it sent (runtime/early-info.ts adopts it). */
const EARLY_ENGINE_INFO = Symbol.for('e.early-engine-info');

/**
 * A module run asks the engine to describe itself (`GET /info`: its platform, its registries)
 * before anything else of it, and the engine takes ~25-40 ms to answer. This sends that request
 * now, before the bundle loads (~40 ms), for runtime/early-info.ts to adopt when the run asks the
 * same socket; any other answer is dropped. The request is out only once Node's event loop has
 * turned (connecting is asynchronous; loading the bundle is not): bin/e.js waits for that. Only
 * for the local engine's socket that DOCKER_HOST names (unset: ~/.docker/run/docker.sock when it
 * exists, else /var/run/docker.sock, as docker-modem), and not when --platform, E_PLATFORM, --plan
 * or --engine may make the request needless or ask another engine (e.yml may too: then the answer
 * is dropped). Once sent and until adopted, the request does not keep e running.
 */
function askEngineInfoEarly(args, env = process.env) {
  if (process.platform === 'win32' || env.E_PLATFORM) return undefined;
  if (args.some((arg) => /^--(platform|plan|engine)(=|$)/.test(arg))) return undefined;
  const host = env.DOCKER_HOST;
  let socketPath;
  if (!host) {
    const user = join(require('node:os').homedir(), '.docker', 'run', 'docker.sock');
    socketPath = existsSync(user) ? user : '/var/run/docker.sock';
  } else if (host.startsWith('unix://') && host.length > 'unix://'.length) {
    socketPath = host.slice('unix://'.length);
  } else {
    return undefined;
  }
  let socket;
  let kept = false;
  let sent;
  const sending = new Promise((resolve) => {
    sent = resolve;
  });
  const info = new Promise((resolve) => {
    const given = () => {
      sent();
      resolve(undefined);
    };
    // no TLS server name: Node's agent would check the host with net.isIP (plain-http.ts)
    const req = require('node:http').request({ socketPath, path: '/info', agent: false, servername: '' }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('error', given);
      res.on('end', () => {
        try {
          resolve(res.statusCode === 200 ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined);
        } catch {
          resolve(undefined);
        }
      });
    });
    req.on('socket', (s) => {
      socket = s;
    });
    req.on('error', given);
    // out: from now on the socket waits for the answer, which keeps e running only once adopted
    req.on('finish', () => {
      if (!kept) socket?.unref();
      sent();
    });
    req.end();
  });
  const early = {
    socketPath,
    info,
    sent: sending,
    /** The run waits for the answer now: its socket keeps e running. */
    keep() {
      kept = true;
      socket?.ref();
    },
  };
  globalThis[EARLY_ENGINE_INFO] = early;
  return early;
}

/** Resolves once the early engine request is out (or at once without one): see bin/e.js. */
let engineRequestSent;
if (runsModule(process.argv.slice(2))) {
  for (const id of RUN_BUILTINS) require(id);
  engineRequestSent = askEngineInfoEarly(process.argv.slice(2))?.sent;
}
setV8Flags();

/**
 * The bundle that runs this command line (process.argv), or undefined when it is not fresh: then
 * bin/e.js runs dist/main.js. A bundle is fresh while it is newer than every TypeScript build it
 * was made from, so that a `tsc -b` without bundling never runs stale code. The read-only and the
 * module-run bundles run the commands they serve while they are fresh; else the full one runs them.
 */
function bundleFor(argv, directory = join(__dirname, '../dist/bundle')) {
  const mtime = (path) => statSync(join(directory, path), { throwIfNoEntry: false })?.mtimeMs;
  const builds = ['../.tsbuildinfo', '../../../core/dist/.tsbuildinfo', '../../../module-sdk/dist/.tsbuildinfo'].map(
    (build) => mtime(build) ?? Number.POSITIVE_INFINITY,
  );
  const fresh = (bundle) => {
    const bundled = mtime(bundle);
    return bundled !== undefined && builds.every((built) => built <= bundled);
  };
  if (readOnlyCommand(argv.slice(2)) && fresh(READ_ONLY)) return join(directory, READ_ONLY);
  if (runsModule(argv.slice(2)) && fresh(RUN)) return join(directory, RUN);
  return fresh(FULL) ? join(directory, FULL) : undefined;
}

/** Whether this bundle (a path bundleFor gave) is the read-only one. */
function isReadOnly(bundle) {
  return basename(bundle) === READ_ONLY;
}

/**
 * What the cache must have been made from: the bundle's size and modification time. The line is
 * padded to a multiple of 8 bytes so that the cache after it stays 8-byte aligned in the buffer
 * it is read into: V8 copies cached data that is not (630 KB, ~120 page faults).
 */
function stamp(file) {
  const { size, mtimeMs } = statSync(file);
  const line = `e-code-cache ${size} ${mtimeMs}`;
  return `${line.padEnd(Math.ceil((line.length + 1) / 8) * 8 - 1)}\n`;
}

/**
 * The bundle compiled, with `cachedData` when given. The bundle is one function expression, as
 * Node wraps a CommonJS module (make setup writes the wrapper into it): compiled as read, V8 does
 * not copy a wrapped 950 KB string into a flat one first (~230 page faults).
 */
function compile(file, cachedData) {
  // (the bundle has no import(): esbuild turned those into require(), scripts/bundle-cli.mjs)
  return new vm.Script(readFileSync(file, 'utf8'), { filename: file, cachedData });
}

/** Runs the compiled bundle's top level and returns its exports (main, ...). */
function evaluate(script, file) {
  const module = { exports: {} };
  script.runInThisContext().call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
  return module.exports;
}

/** The cache made from the bundle as it is now, or undefined. */
function readCache(file) {
  let data;
  try {
    data = readFileSync(`${file}.cache`);
  } catch {
    return undefined;
  }
  const expected = Buffer.from(stamp(file));
  return data.subarray(0, expected.length).equals(expected) ? data.subarray(expected.length) : undefined;
}

/**
 * Loads the bundle, through its code cache when that fits, and returns its exports. `cache` says
 * what became of the cache: `used`, `none` (missing or made from another bundle) or `rejected` (by V8).
 */
function loadBundle(file) {
  const cachedData = readCache(file);
  const script = compile(file, cachedData);
  const cache = cachedData === undefined ? 'none' : script.cachedDataRejected ? 'rejected' : 'used';
  return { exports: evaluate(script, file), cache };
}

/**
 * Makes the code cache of the bundle: compiles it, runs the given commands in this process (their
 * output discarded) so that the functions they use are compiled too, and saves what V8 compiled.
 */
async function writeCodeCache(file, commands) {
  await writeBundleCache(file, async ({ main }) => {
    const write = { out: process.stdout.write, err: process.stderr.write };
    process.stdout.write = process.stderr.write = () => true;
    try {
      for (const args of commands) await main([process.argv[0], 'e', ...args], parseReadArgs(args));
    } finally {
      process.stdout.write = write.out;
      process.stderr.write = write.err;
      process.exitCode = undefined;
    }
  });
}

/**
 * A bundle of packages from node_modules (dist/bundle/dockerode.cjs, scripts/bundle-dockerode.mjs)
 * loaded as above, but only while it is fresh: newer than every file it was made from, which
 * FILE.inputs lists (JSON, paths relative to the bundle's directory). Undefined when the bundle,
 * its list or one of those files is missing, or one of them is newer: a stale bundle is never run.
 */
function loadFreshBundle(file) {
  const made = statSync(file, { throwIfNoEntry: false })?.mtimeMs;
  let inputs;
  try {
    inputs = JSON.parse(readFileSync(`${file}.inputs`, 'utf8'));
  } catch {
    return undefined;
  }
  const fresh = (input) =>
    (statSync(resolve(dirname(file), input), { throwIfNoEntry: false })?.mtimeMs ?? Infinity) <= made;
  return made !== undefined && Array.isArray(inputs) && inputs.every(fresh) ? loadBundle(file) : undefined;
}

/**
 * Makes the code cache of a bundle (FILE.cache, after the stamp): compiles it, awaits `use` with
 * its exports (so that the functions it calls are compiled too), and saves what V8 compiled.
 */
async function writeBundleCache(file, use) {
  const script = compile(file, undefined);
  await use(evaluate(script, file));
  const temporary = `${file}.cache.${process.pid}`;
  writeFileSync(temporary, Buffer.concat([Buffer.from(stamp(file)), script.createCachedData()]));
  renameSync(temporary, `${file}.cache`);
}

module.exports = {
  askEngineInfoEarly,
  parseReadArgs,
  bundleFor,
  engineRequestSent,
  isReadOnly,
  loadBundle,
  readOnlyCommand,
  runsModule,
  writeCodeCache,
  loadFreshBundle,
  writeBundleCache,
};

// `node bundle-loader.js --write-cache BUNDLE REPOSITORY SHARED`: what make setup runs after bundling
if (require.main === module && process.argv[2] === '--write-cache') {
  const [bundle, repository, shared] = process.argv.slice(3).map((path) => resolve(path));
  const global = ['-r', repository, '-s', shared];
  // the module-run bundle: its top level only (compiling what a run calls as it goes costs a run
  // no more than reading it from the cache, measured: 0.27 s of CPU either way)
  const reads = [
    // the read-only bundle never prints help (readOnlyCommand)
    ...(basename(bundle) === READ_ONLY ? [] : [['--help']]),
    [...global, 'repo', 'list'],
    [...global, 'repo', 'search', 'kind=example'],
    [...global, 'status'],
  ];
  writeCodeCache(bundle, basename(bundle) === RUN ? [] : reads).catch((error) => {
    process.stderr.write(`cannot write the code cache of ${bundle}: ${error.message}\n`);
    process.exitCode = 1;
  });
}
