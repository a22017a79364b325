import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type * as Tls from 'node:tls';

/**
 * Where bin/e.js leaves the file of NODE_EXTRA_CA_CERTS when e's launcher kept it from Node.
 *
 * Node reads that file when it starts, before any JavaScript runs, and builds its whole store of
 * root certificates with it: ~40 ms of every command (a store of ~140 certificates plus the
 * file's), where most commands never speak TLS. So the launcher (the shell line at the top of
 * bin/e.js) moves the variable aside, and e adds the file's certificates itself before its first
 * TLS connection: as Node does, to every TLS context made without its own `ca`.
 */
export const DEFERRED_EXTRA_CA_CERTS = Symbol.for('e.deferred-extra-ca-certs');

/** What a TLS context is made of besides its certificate authorities (tls.createSecureContext's options). */
const CONTEXT_OPTIONS = [
  'allowPartialTrustChain',
  'cert',
  'ciphers',
  'clientCertEngine',
  'crl',
  'dhparam',
  'ecdhCurve',
  'honorCipherOrder',
  'key',
  'maxVersion',
  'minVersion',
  'passphrase',
  'pfx',
  'privateKeyEngine',
  'privateKeyIdentifier',
  'secureOptions',
  'secureProtocol',
  'sessionIdContext',
  'sessionTimeout',
  'sigalgs',
  'ticketKeys',
] as const;

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g;

let settled = false;

/**
 * Call before e opens a TLS connection (a registry or repository over https, an engine over TLS,
 * PostgreSQL): when the launcher deferred NODE_EXTRA_CA_CERTS, its certificates are trusted from
 * then on, besides Node's own. Once per process; nothing to do otherwise.
 */
export function trustDeferredExtraCaCerts(): void {
  if (settled) return;
  settled = true;
  const file = (globalThis as Record<symbol, unknown>)[DEFERRED_EXTRA_CA_CERTS];
  if (typeof file !== 'string' || file === '') return;
  let extra: string[];
  try {
    extra = readFileSync(file, 'utf8').match(PEM_CERTIFICATE) ?? [];
    if (extra.length === 0) throw new Error('no PEM certificate in it');
  } catch (error) {
    // Node's own words when it cannot read the file at start-up
    process.stderr.write(`Warning: Ignoring extra certs from \`${file}\`, load failed: ${(error as Error).message}\n`);
    return;
  }
  // loaded only now (~5-10 ms); a built-in, so any path resolves it (the dockerode bundle has no import.meta)
  const node = createRequire(process.execPath)('node:tls') as typeof Tls;
  const create = node.createSecureContext;
  // Node's own store (bundled, or OpenSSL's with --use-openssl-ca) and the file's certificates; the
  // context gets a store of its own for them, the process's stays as it is
  const withExtra = (options?: Tls.SecureContextOptions) => {
    const context = create(options);
    for (const pem of extra) context.context.addCACert(pem);
    return context;
  };
  // made once: Node's store and ~150 added certificates took ~24 ms to build
  let shared: Tls.SecureContext | undefined;
  node.createSecureContext = (options?: Tls.SecureContextOptions) => {
    // a context with its own authorities trusts only those, as with Node's extra certificates
    if (options?.ca !== undefined) return create(options);
    if (options !== undefined && CONTEXT_OPTIONS.some((name) => options[name] !== undefined)) return withExtra(options);
    shared ??= withExtra();
    return shared;
  };
}
