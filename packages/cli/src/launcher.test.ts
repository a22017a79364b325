import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

// bin/e.js started as a user starts it: executed, so its first line (#!/bin/sh) runs the launcher
const BIN = fileURLToPath(new URL('../bin/e.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const TLS = join(ROOT, 'test/fixtures/tls');
const CA = join(TLS, 'ca.pem');

let dir: string;
let preload: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'e-launcher-'));
  preload = join(dir, 'env.cjs');
  // what Node was started with, and what e leaves for the programs it starts
  writeFileSync(
    preload,
    `const pick = () => ({ extra: process.env.NODE_EXTRA_CA_CERTS, deferred: process.env.E_DEFERRED_EXTRA_CA_CERTS });
process.stderr.write('start ' + JSON.stringify(pick()) + '\\n');
process.on('exit', () => process.stderr.write('exit ' + JSON.stringify(pick()) + '\\n'));`,
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(file: string, args: string[], env: Record<string, string | undefined>): Promise<Run> {
  const base = { ...process.env, NO_COLOR: '1', ...env };
  const clean = Object.fromEntries(Object.entries(base).filter(([, value]) => value !== undefined));
  const child = spawn(file, args, { env: clean, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

/** The preload's two lines: NODE_EXTRA_CA_CERTS as Node started, and as e leaves it. */
function seen(stderr: string): { start: unknown; exit: unknown } {
  const line = (name: string) => JSON.parse(new RegExp(`^${name} (.*)$`, 'm').exec(stderr)?.[1] ?? 'null');
  return { start: line('start'), exit: line('exit') };
}

describe('the launcher line of bin/e.js', () => {
  it('starts Node without NODE_EXTRA_CA_CERTS and puts it back for the programs e starts', async () => {
    const result = await run(BIN, ['--version'], { NODE_EXTRA_CA_CERTS: CA, NODE_OPTIONS: `--require ${preload}` });
    expect(result.code).toBe(0);
    expect(seen(result.stderr)).toEqual({ start: { deferred: CA }, exit: { extra: CA } });
  });

  it('leaves NODE_EXTRA_CA_CERTS alone when it is unset, and to Node under `node bin/e.js`', async () => {
    const unset = await run(BIN, ['--version'], {
      NODE_EXTRA_CA_CERTS: undefined,
      NODE_OPTIONS: `--require ${preload}`,
    });
    expect(seen(unset.stderr)).toEqual({ start: {}, exit: {} });
    const direct = await run(process.execPath, [BIN, '--version'], {
      NODE_EXTRA_CA_CERTS: CA,
      NODE_OPTIONS: `--require ${preload}`,
    });
    expect(seen(direct.stderr)).toEqual({ start: { extra: CA }, exit: { extra: CA } });
    for (const result of [unset, direct]) expect(result.code).toBe(0);
  });

  describe('a repository over https signed by a CA that only NODE_EXTRA_CA_CERTS names', () => {
    let server: Server;
    let url: string;
    beforeAll(async () => {
      const repository = readFileSync(join(ROOT, 'repository.yml'));
      server = createServer(
        { key: readFileSync(join(TLS, 'server-key.pem')), cert: readFileSync(join(TLS, 'server.pem')) },
        (_req, res) => res.end(repository),
      );
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `https://localhost:${(server.address() as AddressInfo).port}/repository.yml`;
    });
    afterEach(() => server.closeAllConnections());
    afterAll(() => new Promise((resolve) => server.close(resolve)));

    it('is trusted through the launcher, as Node trusts it without one', async () => {
      for (const [file, args] of [
        [BIN, []],
        [process.execPath, [BIN]],
      ] as const) {
        const result = await run(file, [...args, 'repo', 'list', '-r', url], { NODE_EXTRA_CA_CERTS: CA });
        expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
        expect(result.stdout).toMatch(/^hello\s+0\.1\.0/m);
      }
    });

    it('is refused without it, and with a file that cannot be read (and Node warns)', async () => {
      const without = await run(BIN, ['repo', 'list', '-r', url], { NODE_EXTRA_CA_CERTS: undefined });
      expect([without.code, without.stderr]).toEqual([
        1,
        expect.stringContaining('unable to verify the first certificate'),
      ]);
      const missing = join(dir, 'missing.pem');
      const unreadable = await run(BIN, ['repo', 'list', '-r', url], { NODE_EXTRA_CA_CERTS: missing });
      expect(unreadable.code).toBe(1);
      expect(unreadable.stderr).toContain(`Warning: Ignoring extra certs from \`${missing}\`, load failed: ENOENT`);
      expect(unreadable.stderr).toContain('unable to verify the first certificate');
    });
  });
});
