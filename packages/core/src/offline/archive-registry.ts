import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import * as http from 'node:http';
import * as https from 'node:https';
import type { Readable } from 'node:stream';
import { ArchiveError } from '../errors.js';
import { trustDeferredExtraCaCerts } from '../extra-ca-certs.js';

/**
 * The registry HTTP API calls of the archive, streaming: a blob is read from or sent to a socket
 * and never held whole in memory. Anonymous (the registries of an air-gapped site and the test
 * bed need no login); plain HTTP for loopback hosts and those the caller calls insecure.
 */

export interface RegistryEndpoint {
  /** `127.0.0.1:5000` */
  host: string;
  /** `http://127.0.0.1:5000/v2` */
  base: string;
}

/** Docker's rule: loopback registries speak plain HTTP, others HTTPS unless listed as insecure. */
export function registryEndpoint(host: string, insecure: (host: string) => boolean = isLoopback): RegistryEndpoint {
  return { host, base: `${insecure(host) ? 'http' : 'https'}://${host}/v2` };
}

export function isLoopback(host: string): boolean {
  return /^(localhost|127\.[0-9.]+|\[::1\])(:\d+)?$/.test(host);
}

const IDLE_TIMEOUT_MS = 60_000;

interface SendOptions {
  headers?: Record<string, string | number>;
  body?: Buffer | Readable;
  /** Follow redirects (blob downloads may be redirected to storage). */
  follow?: number;
}

function send(method: string, url: string, options: SendOptions = {}): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    let target: URL;
    try {
      target = new URL(url);
    } catch (error) {
      reject(unreachable(url.replace(/^https?:\/\/([^/]*).*$/, '$1'), error as Error));
      return;
    }
    if (target.protocol === 'https:') trustDeferredExtraCaCerts();
    const request = (target.protocol === 'https:' ? https : http).request(target, {
      method,
      headers: options.headers,
    });
    request.setTimeout(IDLE_TIMEOUT_MS, () =>
      request.destroy(new Error(`no answer within ${IDLE_TIMEOUT_MS / 1000} s`)),
    );
    request.on('error', (error) => reject(unreachable(target.host, error)));
    request.on('response', (response) => {
      const location = response.headers.location;
      if ((options.follow ?? 0) > 0 && location && [301, 302, 303, 307, 308].includes(response.statusCode ?? 0)) {
        response.resume();
        send(method, new URL(location, target).toString(), { ...options, follow: (options.follow ?? 0) - 1 }).then(
          resolve,
          reject,
        );
        return;
      }
      resolve(response);
    });
    const body = options.body;
    if (body === undefined) request.end();
    else if (Buffer.isBuffer(body)) request.end(body);
    else {
      body.on('error', (error) => request.destroy(error));
      body.pipe(request);
    }
  });
}

function unreachable(host: string, error: Error): ArchiveError {
  const code = (error as { code?: string }).code;
  return new ArchiveError(
    'E_REGISTRY_UNREACHABLE',
    `The registry ${host} cannot be reached (${code ?? error.message}).`,
    { hint: 'Check that it runs and that the address (HOST:PORT) is right.', cause: error },
  );
}

async function text(response: IncomingMessage, max = 64 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response as AsyncIterable<Buffer>) {
    if (size < max) chunks.push(chunk);
    size += chunk.length;
  }
  return Buffer.concat(chunks).toString('utf8').slice(0, max);
}

function httpError(what: string, response: IncomingMessage, body: string): ArchiveError {
  const detail = body.replace(/\s+/g, ' ').trim().slice(0, 300);
  return new ArchiveError(
    'E_REGISTRY_HTTP',
    `${what} failed: the registry answered HTTP ${response.statusCode}${detail ? ` (${detail})` : ''}.`,
  );
}

/** The bytes of a manifest or index, by tag or digest, exactly as stored; checked against a digest reference. */
export async function readManifestBytes(
  endpoint: RegistryEndpoint,
  name: string,
  reference: string,
  accept: readonly string[],
  maxBytes = 4 * 1024 * 1024,
): Promise<{ bytes: Buffer; digest: string; mediaType: string }> {
  const url = `${endpoint.base}/${name}/manifests/${reference}`;
  const response = await send('GET', url, { headers: { accept: accept.join(', ') }, follow: 3 });
  if (response.statusCode !== 200)
    throw httpError(`Reading ${endpoint.host}/${name}:${reference}`, response, await text(response));
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      response.destroy();
      throw new ArchiveError(
        'E_REGISTRY_HTTP',
        `The manifest ${endpoint.host}/${name}:${reference} is larger than ${maxBytes} bytes.`,
      );
    }
    chunks.push(chunk);
  }
  const bytes = Buffer.concat(chunks);
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  if (reference.startsWith('sha256:') && digest !== reference) {
    throw new ArchiveError(
      'E_DIGEST_MISMATCH',
      `The registry ${endpoint.host} sent ${name}@${reference} with the digest ${digest}.`,
    );
  }
  const contentType = String(response.headers['content-type'] ?? '');
  return { bytes, digest, mediaType: contentType };
}

/** A blob's bytes as a stream (its digest is the caller's to check). */
export async function openBlob(endpoint: RegistryEndpoint, name: string, digest: string): Promise<IncomingMessage> {
  const response = await send('GET', `${endpoint.base}/${name}/blobs/${digest}`, { follow: 3 });
  if (response.statusCode !== 200)
    throw httpError(`Reading blob ${digest} of ${endpoint.host}/${name}`, response, await text(response));
  return response;
}

/** Whether the repository `name` already has the blob. */
export async function hasBlob(endpoint: RegistryEndpoint, name: string, digest: string): Promise<boolean> {
  const response = await send('HEAD', `${endpoint.base}/${name}/blobs/${digest}`);
  response.resume();
  return response.statusCode === 200;
}

/** Links a blob another repository of the same registry holds into `name`; false when the registry would not. */
export async function mountBlob(
  endpoint: RegistryEndpoint,
  name: string,
  digest: string,
  from: string,
): Promise<boolean> {
  const response = await send(
    'POST',
    `${endpoint.base}/${name}/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`,
    { headers: { 'content-length': 0 } },
  );
  await text(response);
  if (response.statusCode === 201) return true;
  if (response.statusCode === 202 && response.headers.location) {
    // the registry started an upload instead: cancel it
    const cancel = await send('DELETE', new URL(response.headers.location, endpoint.base).toString());
    cancel.resume();
  }
  return false;
}

/** Uploads a blob in one request (POST for a session, then PUT ?digest= with the bytes); the registry checks the digest. */
export async function pushBlob(
  endpoint: RegistryEndpoint,
  name: string,
  digest: string,
  size: number,
  body: Buffer | Readable,
): Promise<void> {
  const start = await send('POST', `${endpoint.base}/${name}/blobs/uploads/`, { headers: { 'content-length': 0 } });
  const started = await text(start);
  const location = start.headers.location;
  if (start.statusCode !== 202 || !location)
    throw httpError(`Starting an upload to ${endpoint.host}/${name}`, start, started);
  const url = new URL(location, `${endpoint.base}/`);
  url.searchParams.set('digest', digest);
  const put = await send('PUT', url.toString(), {
    headers: { 'content-type': 'application/octet-stream', 'content-length': size },
    body,
  });
  const answer = await text(put);
  if (put.statusCode !== 201) throw httpError(`Uploading blob ${digest} to ${endpoint.host}/${name}`, put, answer);
}

/** Stores a manifest or index under a tag or its digest, byte for byte (so its digest stays). */
export async function putManifestBytes(
  endpoint: RegistryEndpoint,
  name: string,
  reference: string,
  mediaType: string,
  bytes: Buffer,
): Promise<void> {
  const response = await send('PUT', `${endpoint.base}/${name}/manifests/${reference}`, {
    headers: { 'content-type': mediaType, 'content-length': bytes.length },
    body: bytes,
  });
  const answer = await text(response);
  if (response.statusCode !== 201) throw httpError(`Storing ${endpoint.host}/${name}:${reference}`, response, answer);
}

/** Whether a registry answers at `endpoint` (GET /v2/ with 200 or 401). */
export async function registryAnswers(endpoint: RegistryEndpoint): Promise<void> {
  const response = await send('GET', `${endpoint.base}/`);
  const body = await text(response);
  if (response.statusCode !== 200 && response.statusCode !== 401)
    throw httpError(`Asking ${endpoint.host} for its API version`, response, body);
}
