import { readFileSync } from 'node:fs';
import type { RequestListener } from 'node:http';
import { createServer, get, type Server } from 'node:https';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type * as Tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFERRED_EXTRA_CA_CERTS } from './extra-ca-certs.js';

// test/fixtures/tls: a test CA and a certificate it signed for localhost (its README says how)
const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/tls/', import.meta.url));
const CA = `${FIXTURES}ca.pem`;
const marker = globalThis as Record<symbol, unknown>;
// node:tls's own exports, which the patch replaces (an ES import of it keeps the original binding)
const tls = createRequire(import.meta.url)('node:tls') as typeof Tls;
const createSecureContext = tls.createSecureContext;

const servers: Server[] = [];

/** An https server with the test CA's certificate for localhost; its base URL. */
async function serveTls(handler: RequestListener = (_req, res) => res.end('ok')): Promise<string> {
  const server = createServer(
    { key: readFileSync(`${FIXTURES}server-key.pem`), cert: readFileSync(`${FIXTURES}server.pem`) },
    handler,
  );
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `https://localhost:${(server.address() as AddressInfo).port}`;
}

/** What a plain https.get of `url` with these options ends in: the body, or the error's code. */
function httpsGet(url: string, options: { ca?: string } = {}): Promise<string> {
  return new Promise((resolve) => {
    get(url, options, (res) => {
      let body = '';
      res.on('data', (chunk) => {
        body += chunk;
      });
      res.on('end', () => resolve(body));
    }).on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

// Each test imports the module afresh (it trusts once per process); the patch of node:tls stays
// within this file's worker.
async function freshModule(): Promise<typeof import('./extra-ca-certs.js')> {
  vi.resetModules();
  return import('./extra-ca-certs.js');
}

afterEach(async () => {
  delete marker[DEFERRED_EXTRA_CA_CERTS];
  tls.createSecureContext = createSecureContext; // each test starts from Node's own
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

describe('trustDeferredExtraCaCerts', () => {
  it('does nothing when the launcher deferred no file', async () => {
    (await freshModule()).trustDeferredExtraCaCerts();
    expect(tls.createSecureContext).toBe(createSecureContext);
  });

  it('warns as Node does and trusts nothing more when the file cannot be read, or holds no certificate', async () => {
    const written: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((text) => {
      written.push(String(text));
      return true;
    });
    marker[DEFERRED_EXTRA_CA_CERTS] = `${FIXTURES}no-such-file.pem`;
    (await freshModule()).trustDeferredExtraCaCerts();
    marker[DEFERRED_EXTRA_CA_CERTS] = `${FIXTURES}README.md`;
    (await freshModule()).trustDeferredExtraCaCerts();
    expect(written).toEqual([
      expect.stringMatching(/^Warning: Ignoring extra certs from `.*no-such-file\.pem`, load failed: ENOENT/),
      expect.stringMatching(
        /^Warning: Ignoring extra certs from `.*README\.md`, load failed: no PEM certificate in it\n$/,
      ),
    ]);
    expect(tls.createSecureContext).toBe(createSecureContext);
  });

  it("trusts the file's certificates besides Node's own, in one shared context, for https and fetch", async () => {
    const base = await serveTls();
    expect(await httpsGet(base)).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    marker[DEFERRED_EXTRA_CA_CERTS] = CA;
    const { trustDeferredExtraCaCerts } = await freshModule();
    // the registry client trusts them before its first https request
    const { registryRequest } = await import('./runtime/registry-http.js');
    const answer = await registryRequest(`${base}/v2/`);
    expect([answer.status, answer.body.toString()]).toEqual([200, 'ok']);
    const wrapped = tls.createSecureContext;
    trustDeferredExtraCaCerts(); // once per process: nothing is wrapped again
    expect(tls.createSecureContext).toBe(wrapped);
    expect(await httpsGet(base)).toBe('ok');
    expect(await (await fetch(base)).text()).toBe('ok');
    expect(tls.createSecureContext()).toBe(tls.createSecureContext());
    // a context with authorities of its own trusts only those
    expect(await httpsGet(base, { ca: tls.rootCertificates[0] })).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    expect(await httpsGet(base, { ca: readFileSync(CA, 'utf8') })).toBe('ok');
  });

  it('are trusted for an engine over TLS (DOCKER_TLS_VERIFY) before its first request', async () => {
    const base = await serveTls((req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ path: req.url, OSType: 'linux' }));
    });
    vi.stubEnv('DOCKER_HOST', base.replace('https:', 'tcp:'));
    vi.stubEnv('DOCKER_TLS_VERIFY', '1');
    vi.stubEnv('DOCKER_CERT_PATH', '');
    marker[DEFERRED_EXTRA_CA_CERTS] = CA;
    await freshModule();
    const { engineOptions } = await import('./runtime/ssh-dial.js');
    expect(await new Docker(engineOptions()).info()).toEqual({ path: '/info', OSType: 'linux' });
  });
});
