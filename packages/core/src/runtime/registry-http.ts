import type { IncomingMessage } from 'node:http';
import { request as httpRequest } from 'node:http';
import { trustDeferredExtraCaCerts } from '../extra-ca-certs.js';
import { lazyRequire } from '../repository/lazy-require.js';
import { PLAIN_HTTP } from './plain-http.js';
import { readBody } from './read-body.js';

/** node:https (with TLS, ~5-10 ms to load) only for a registry that speaks it: the local one does not. */
const https = lazyRequire<typeof import('node:https')>('node:https');

/** A registry's answer, read whole (manifests, configs and tokens are small). */
export interface HttpAnswer {
  status: number;
  ok: boolean;
  headers: { get(name: string): string | null };
  body: Buffer;
}

export interface HttpInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Ends the request (and the reading of the body) with the signal's reason, as fetch does. */
  signal?: AbortSignal;
}

/** As many redirects as fetch follows. */
const MAX_REDIRECTS = 20;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * One HTTP(S) request through node:http, following redirects as fetch does (a 303, or a 301/302
 * of a POST, becomes a GET without body; the Authorization header stays with its origin).
 * Not fetch, because Node loads fetch (undici and its WebAssembly HTTP parser) on first use,
 * which costs a module run ~100 ms before its container; node:http is loaded already (dockerode).
 * Network errors reject like fetch's: an error whose `cause` is the system error (fetchCause reads it).
 */
export async function registryRequest(url: string | URL, init: HttpInit = {}): Promise<HttpAnswer> {
  let target = new URL(url);
  let method = init.method ?? 'GET';
  let body = init.body;
  const headers = { ...init.headers };
  for (let redirects = 0; ; redirects++) {
    const answer = await once(target, method, headers, body, init.signal);
    const location = answer.headers.get('location');
    if (!REDIRECTS.has(answer.status) || location === null) return answer;
    if (redirects === MAX_REDIRECTS)
      throw new TypeError('fetch failed', { cause: new Error('redirect count exceeded') });
    const next = new URL(location, target);
    if (next.origin !== target.origin) {
      for (const name of Object.keys(headers)) if (name.toLowerCase() === 'authorization') delete headers[name];
    }
    if (answer.status === 303 || ((answer.status === 301 || answer.status === 302) && method === 'POST')) {
      method = 'GET';
      body = undefined;
      for (const name of Object.keys(headers)) if (name.toLowerCase() === 'content-type') delete headers[name];
    }
    target = next;
  }
}

/** A connection that never got to the address: nothing was sent, so asking again is safe. */
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'EADDRNOTAVAIL', 'ENETUNREACH', 'EHOSTUNREACH']);

/**
 * A registry on `localhost` (the usual local one) is asked at 127.0.0.1 first: Node's way to a host
 * name costs a cold module run ~10-15 ms before it connects (the first check whether the name is
 * an IPv6 address compiles Node's pattern for them; then its DNS module loads). When nothing
 * answers there (a registry on ::1 only), e asks by name, as Node would. The request still names
 * `localhost` (its Host header, and TLS's server name).
 */
async function once(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: string | undefined,
  signal: AbortSignal | undefined,
): Promise<HttpAnswer> {
  if (url.hostname !== 'localhost') return attempt(url, undefined, method, headers, body, signal);
  try {
    return await attempt(url, '127.0.0.1', method, headers, body, signal);
  } catch (error) {
    const code = (error as { cause?: { code?: unknown } }).cause?.code;
    if (typeof code !== 'string' || !NOT_CONNECTED.has(code)) throw error;
    return attempt(url, undefined, method, headers, body, signal);
  }
}

/** One request to `url`, connecting to `address` when given (else to its host, by name). */
function attempt(
  url: URL,
  address: string | undefined,
  method: string,
  headers: Record<string, string>,
  body: string | undefined,
  signal: AbortSignal | undefined,
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const tls = url.protocol === 'https:';
    if (tls) trustDeferredExtraCaCerts();
    const send = tls ? https().request : httpRequest;
    const outgoing = {
      ...(address === undefined ? {} : { host: url.host }),
      ...headers,
      ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }),
    };
    // a fresh connection each time (agent: false): nothing pooled keeps e's process alive afterwards
    const options = { method, headers: outgoing, agent: false, ...(tls ? {} : PLAIN_HTTP) };
    const req =
      address === undefined
        ? send(url, options)
        : send(url, { ...options, hostname: address, ...(tls ? { servername: url.hostname } : {}) });
    const onAbort = () => req.destroy(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    const fail = (error: unknown) => {
      signal?.removeEventListener('abort', onAbort);
      reject(signal?.aborted ? signal.reason : new TypeError('fetch failed', { cause: error }));
    };
    req.on('error', fail);
    req.on('response', (res: IncomingMessage) => {
      readBody(res).then((received) => {
        signal?.removeEventListener('abort', onAbort);
        const status = res.statusCode ?? 0;
        resolve({
          status,
          ok: status >= 200 && status < 300,
          headers: { get: (name) => joinHeader(res.headers[name.toLowerCase()]) },
          body: received,
        });
      }, fail);
    });
    req.end(body);
  });
}

function joinHeader(value: string | string[] | undefined): string | null {
  if (value === undefined) return null;
  return Array.isArray(value) ? value.join(', ') : value;
}
