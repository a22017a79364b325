import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The commands that only read load no zod (docs/runtime.md, start-up): run the built CLI (npx tsc
// -b first) in a Node where loading zod, by require or import, fails with BLOCKED.
const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(root, 'packages/cli/bin/e.js');
const BLOCKED = 'e-test: zod was loaded';

const requireBlocker = `const Module = require('node:module');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === 'zod' || request.startsWith('zod/')) throw new Error(${JSON.stringify(BLOCKED)});
  return resolve.call(this, request, ...rest);
};
`;
const importHooks = `export async function resolve(specifier, context, next) {
  if (specifier === 'zod' || specifier.startsWith('zod/')) throw new Error(${JSON.stringify(BLOCKED)});
  return next(specifier, context);
}
`;

describe('commands that only read load no zod', () => {
  let dir: string;
  let shared: string;
  let repository: string;
  let preload: string[];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'e-read-paths-'));
    shared = join(dir, 'shared');
    repository = join(dir, 'repository.yml');
    copyFileSync(join(root, 'repository.yml'), repository);
    writeFileSync(join(dir, 'block-require.cjs'), requireBlocker);
    writeFileSync(join(dir, 'hooks.mjs'), importHooks);
    const register = `import { register } from 'node:module'; register(${JSON.stringify(pathToFileURL(join(dir, 'hooks.mjs')).href)});`;
    writeFileSync(join(dir, 'register.mjs'), register);
    preload = ['--require', join(dir, 'block-require.cjs'), '--import', pathToFileURL(join(dir, 'register.mjs')).href];
    mkdirSync(shared);
    writeFileSync(
      join(shared, 'state.yml'),
      'hello:\n  greeting: hello\ne:\n  installed:\n    hello:\n      version: 0.1.0\n      labels: {kind: example}\n      status: applied\n      installedAt: 2026-01-01T00:00:00.000Z\n      updatedAt: 2026-01-02T00:00:00.000Z\n      needsPlan: false\n',
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const e = (...args: string[]) =>
    spawnSync(process.execPath, [...preload, bin, '-r', repository, '-s', shared, ...args], {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });

  it.each(['status', 'repo list', 'repo search kind=example'])('e %s, also with a plain e.yml', (command) => {
    const args = command.split(' ');
    for (const config of [undefined, 'output: text\nprefer: [hello]\nenv: prod-1\n']) {
      if (config === undefined) rmSync(join(dir, 'e.yml'), { force: true });
      else writeFileSync(join(dir, 'e.yml'), config);
      const result = e(...args);
      expect(result.stderr).not.toContain(BLOCKED);
      expect(result.status, result.stderr).toBe(0);
      expect(result.stdout).toContain('hello');
    }
  });

  it('(the block works: an e.yml with a mistake needs zod to explain it)', () => {
    writeFileSync(join(dir, 'e.yml'), 'outptu: json\n');
    try {
      const result = e('status');
      expect(result.status).not.toBe(0);
      expect(result.stderr).toContain(BLOCKED);
    } finally {
      rmSync(join(dir, 'e.yml'), { force: true });
    }
  });
});
