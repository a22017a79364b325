import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

interface Loader {
  loadBundle(file: string): { exports: { main(argv: string[]): Promise<number> }; cache: string };
  writeCodeCache(file: string, commands: string[][]): Promise<void>;
}
const require = createRequire(import.meta.url);
const LOADER = require.resolve('../bin/bundle-loader.js');
const loader = require(LOADER) as Loader;

/**
 * What loadBundle makes of the cache, and what main answers, in a fresh Node: V8 keeps what this
 * process compiled, and would not even look at the cache of a source it has seen.
 */
function loadInNode(file: string): { cache: string; answer: number } {
  const script = `const { cache, exports } = require(${JSON.stringify(LOADER)}).loadBundle(${JSON.stringify(file)});
exports.main(['node', 'e']).then((answer) => console.log(JSON.stringify({ cache, answer })));`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })) as {
    cache: string;
    answer: number;
  };
}

/**
 * A stand-in for dist/bundle/e.cjs, in the CommonJS wrapper as make setup writes it: main answers
 * with a number, and counts its runs.
 */
function bundleSource(answer: number): string {
  return `(function (exports, require, module, __filename, __dirname) {let runs = 0;\nexports.main = async (argv) => { runs++; globalThis.eBundleTest = { argv, runs, file: __filename }; return ${answer}; };\n})`;
}

describe('bin/bundle-loader.js: the bundle through its code cache', () => {
  let dir: string;
  let bundle: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'e-bundle-loader-'));
    bundle = join(dir, 'e.cjs');
    writeFileSync(bundle, bundleSource(7));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('runs the bundle without a cache, and with the cache that writeCodeCache made', async () => {
    const first = loader.loadBundle(bundle);
    expect(first.cache).toBe('none');
    expect(await first.exports.main(['node', 'e', 'status'])).toBe(7);
    expect(globalThis).toHaveProperty('eBundleTest.file', bundle);

    await loader.writeCodeCache(bundle, [['status']]);
    expect(globalThis).toHaveProperty('eBundleTest.argv', [process.argv[0], 'e', 'status']);
    const cache = readFileSync(`${bundle}.cache`);
    expect(cache.subarray(0, 12).toString()).toBe('e-code-cache');
    // V8 takes the cache in place only when it is 8-byte aligned: the header line keeps it so
    expect((cache.indexOf('\n') + 1) % 8).toBe(0);
    expect(loadInNode(bundle)).toEqual({ cache: 'used', answer: 7 });
  });

  it('ignores a cache made from another bundle, also one of the same size', async () => {
    await loader.writeCodeCache(bundle, []);
    writeFileSync(bundle, bundleSource(8));
    const later = new Date(statSync(bundle).mtimeMs + 5000);
    utimesSync(bundle, later, later);
    expect(loadInNode(bundle)).toEqual({ cache: 'none', answer: 8 });
  });

  it('compiles the bundle as usual when V8 refuses the cache', async () => {
    await loader.writeCodeCache(bundle, []);
    const data = readFileSync(`${bundle}.cache`);
    const header = data.indexOf('\n') + 1;
    writeFileSync(`${bundle}.cache`, Buffer.concat([data.subarray(0, header), Buffer.from('not a code cache')]));
    expect(loadInNode(bundle)).toEqual({ cache: 'rejected', answer: 7 });
  });
});

describe('bin/bundle-loader.js: asking the engine early, before the bundle loads', () => {
  interface Early {
    socketPath: string;
    info: Promise<unknown>;
    sent: Promise<void>;
    keep(): void;
  }
  const askEarly = (require(LOADER) as { askEngineInfoEarly(args: string[], env: object): Early | undefined })
    .askEngineInfoEarly;
  const EARLY = Symbol.for('e.early-engine-info');
  let dir: string;
  let socket: string;
  let server: Server;
  let asked: string[];
  let answer: boolean;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'e-loader-info-'));
    socket = join(dir, 'docker.sock');
    asked = [];
    answer = true;
    server = createServer((req, res) => {
      asked.push(`${req.method} ${req.url}`);
      if (answer) res.end(JSON.stringify({ OSType: 'linux', Architecture: 'x86_64' }));
    });
    await new Promise<void>((resolve) => server.listen(socket, resolve));
  });
  afterEach(async () => {
    delete (globalThis as Record<symbol, unknown>)[EARLY];
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends GET /info to the socket DOCKER_HOST names, and leaves the request for the run to adopt', async () => {
    const early = askEarly(['plan', 'hello'], { DOCKER_HOST: `unix://${socket}` });
    expect(early?.socketPath).toBe(socket);
    expect((globalThis as Record<symbol, unknown>)[EARLY]).toBe(early);
    expect(await early?.info).toEqual({ OSType: 'linux', Architecture: 'x86_64' });
    expect(asked).toEqual(['GET /info']);
  });

  it('asks nothing when the run needs no answer, or another engine answers', () => {
    const env = { DOCKER_HOST: `unix://${socket}` };
    for (const args of [
      ['--platform', 'linux/arm64', 'plan', 'hello'],
      ['--platform=linux/arm64', 'plan', 'hello'],
    ])
      expect(askEarly(args, env)).toBeUndefined();
    expect(askEarly(['apply', 'hello', '--plan', 'p.json'], env)).toBeUndefined();
    expect(askEarly(['--engine', 'tcp://127.0.0.1:1', 'plan', 'hello'], env)).toBeUndefined();
    expect(askEarly(['plan', 'hello'], { ...env, E_PLATFORM: 'linux/amd64' })).toBeUndefined();
    expect(askEarly(['plan', 'hello'], { DOCKER_HOST: 'tcp://127.0.0.1:1' })).toBeUndefined();
    expect(askEarly(['plan', 'hello'], { DOCKER_HOST: 'ssh://me@host' })).toBeUndefined();
    expect((globalThis as Record<symbol, unknown>)[EARLY]).toBeUndefined();
    expect(asked).toEqual([]);
  });

  it('never keeps e running while nobody adopted it, and does once adopted', () => {
    answer = false; // the engine takes the request and never answers
    const run = (adopt: boolean) =>
      spawnSync(
        process.execPath,
        [
          '-e',
          `const early = require(${JSON.stringify(LOADER)}).askEngineInfoEarly(['plan', 'hello'], { DOCKER_HOST: 'unix://${socket}' });
           early.sent.then(() => { if (${adopt}) early.keep(); setTimeout(() => process.exit(7), 1500).unref(); });`,
        ],
        { timeout: 10_000 },
      ).status;
    expect(run(false)).toBe(0); // exits at once, the request unanswered
    expect(run(true)).toBe(7); // still waiting for the answer when its timer ends it
  });
});
