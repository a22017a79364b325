import { createHash } from 'node:crypto';
import { normalizeArchitecture, type Platform } from './platform.js';
import { type HttpAnswer, registryRequest } from './registry-http.js';

/** A reference split the way registries address it. */
export interface RegistryRef {
  /** Host (and port) to talk to: `localhost:5000`, `registry-1.docker.io`. */
  host: string;
  /** Repository path inside it: `modules/kafka`, `library/alpine`. */
  name: string;
  /** Tag or `sha256:...` digest. */
  reference: string;
}

const DOCKER_HUB = 'registry-1.docker.io';

/** `localhost:5000/modules/kafka:0.1.0` → host, name, reference (Docker Hub's short names expanded). */
export function parseRegistryRef(ref: string): RegistryRef {
  const at = ref.indexOf('@');
  const path = at === -1 ? ref : ref.slice(0, at);
  const slash = path.indexOf('/');
  const first = slash === -1 ? '' : path.slice(0, slash);
  const hasHost = first !== '' && (first.includes('.') || first.includes(':') || first === 'localhost');
  const host = hasHost ? (first === 'docker.io' ? DOCKER_HUB : first) : DOCKER_HUB;
  let rest = hasHost ? path.slice(slash + 1) : path;
  let reference = at === -1 ? 'latest' : ref.slice(at + 1);
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    if (at === -1) reference = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const name = host === DOCKER_HUB && !rest.includes('/') ? `library/${rest}` : rest;
  return { host, name, reference };
}

const ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

/** What a reference names in its registry: the digest, and for an index each platform's manifest. */
export interface ManifestInfo {
  digest: string;
  mediaType: string;
  /** For an index: one entry per platform; empty for a single manifest. */
  manifests: { platform: Platform; digest: string }[];
  /** For a single manifest: the platform its config names. */
  platform?: Platform;
  /** The manifest or index as the registry sent it (e export copies it without asking again). */
  bytes: Buffer;
}

export interface RegistryClientOptions {
  /** Whether to speak plain HTTP to `host` (the engine's insecure registries; loopback always). */
  insecure(host: string): boolean;
  timeoutMs?: number;
}

/**
 * Reads the manifest (or index) a reference names, over the registry HTTP API, anonymously
 * (following a Bearer challenge for a pull token when asked). Never pulls anything.
 */
export async function readManifest(ref: string, options: RegistryClientOptions): Promise<ManifestInfo> {
  const registry = new RegistryHttp(ref, options);
  const response = await registry.request(registry.manifestUrl(), { accept: ACCEPT });
  if (!response.ok) throw new Error(`${registry.manifestUrl()} answered HTTP ${response.status}`);
  const body = response.body;
  const digest =
    response.headers.get('docker-content-digest') ?? `sha256:${createHash('sha256').update(body).digest('hex')}`;
  const json = JSON.parse(body.toString('utf8')) as {
    mediaType?: string;
    manifests?: { digest: string; platform?: { os?: string; architecture?: string } }[];
    config?: { digest?: string };
  };
  const mediaType = json.mediaType ?? response.headers.get('content-type') ?? '';
  if (json.manifests === undefined && json.config?.digest !== undefined) {
    // a single image: its config says which platform it is for (as the engine's distribution endpoint does)
    const blob = await registry.request(registry.blobUrl(json.config.digest), { accept: '*/*' });
    if (!blob.ok) throw new Error(`${registry.blobUrl(json.config.digest)} answered HTTP ${blob.status}`);
    const config = JSON.parse(blob.body.toString('utf8')) as { os?: string; architecture?: string };
    const platform =
      config.os && config.architecture
        ? { os: config.os, architecture: normalizeArchitecture(config.architecture) }
        : undefined;
    return { digest, mediaType, manifests: [], ...(platform ? { platform } : {}), bytes: body };
  }
  const manifests = (json.manifests ?? [])
    .filter((m) => m.platform?.os !== undefined && m.platform.architecture !== undefined)
    .map((m) => ({
      platform: {
        os: m.platform?.os as string,
        architecture: normalizeArchitecture(m.platform?.architecture as string),
      },
      digest: m.digest,
    }));
  return { digest, mediaType, manifests, bytes: body };
}

/** A manifest exactly as the registry stores it: what an index must point at (size and digest of these bytes). */
export interface RawManifest {
  bytes: Buffer;
  mediaType: string;
  /** `sha256:` of `bytes`. */
  digest: string;
  json: { mediaType?: string; config?: { digest?: string }; manifests?: unknown[] };
}

export const MEDIA_TYPES = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
} as const;

/**
 * The manifest `ref` names, of one of the `accept`ed media types, or undefined when the registry
 * has none under that reference (HTTP 404).
 */
export async function readRawManifest(
  ref: string,
  accept: readonly string[],
  options: RegistryClientOptions,
): Promise<RawManifest | undefined> {
  const registry = new RegistryHttp(ref, options);
  const response = await registry.request(registry.manifestUrl(), { accept: accept.join(', ') });
  if (response.status === 404) return undefined;
  if (!response.ok) throw new Error(`${registry.manifestUrl()} answered HTTP ${response.status}`);
  const bytes = response.body;
  const json = JSON.parse(bytes.toString('utf8')) as RawManifest['json'];
  return {
    bytes,
    json,
    mediaType: json.mediaType ?? response.headers.get('content-type') ?? '',
    digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`,
  };
}

/** Stores `body` under `ref` (a tag), e.g. a multi-arch index; returns its digest. */
export async function putManifest(
  ref: string,
  manifest: { mediaType: string; body: string },
  options: RegistryClientOptions,
): Promise<string> {
  const registry = new RegistryHttp(ref, options, 'pull,push');
  const response = await registry.request(registry.manifestUrl(), {
    method: 'PUT',
    headers: { 'content-type': manifest.mediaType },
    body: manifest.body,
  });
  if (!response.ok) {
    throw new Error(
      `${registry.manifestUrl()} refused the manifest: HTTP ${response.status} ${response.body.toString('utf8')}`,
    );
  }
  return (
    response.headers.get('docker-content-digest') ??
    `sha256:${createHash('sha256').update(manifest.body).digest('hex')}`
  );
}

/** One repository of one registry over HTTP(S), anonymously, with a Bearer token when challenged. */
class RegistryHttp {
  readonly #base: string;
  readonly #name: string;
  readonly #reference: string;
  readonly #timeoutMs: number;
  readonly #actions: string;
  #token: string | undefined;

  constructor(ref: string, options: RegistryClientOptions, actions = 'pull') {
    const { host, name, reference } = parseRegistryRef(ref);
    this.#base = `${options.insecure(host) ? 'http' : 'https'}://${host}/v2/${name}`;
    this.#name = name;
    this.#reference = reference;
    this.#timeoutMs = options.timeoutMs ?? 15_000;
    this.#actions = actions;
  }

  manifestUrl(): string {
    return `${this.#base}/manifests/${this.#reference}`;
  }

  blobUrl(digest: string): string {
    return `${this.#base}/blobs/${digest}`;
  }

  async request(
    url: string,
    init: { method?: string; accept?: string; headers?: Record<string, string>; body?: string },
  ): Promise<HttpAnswer> {
    const send = () =>
      registryRequest(url, {
        method: init.method ?? 'GET',
        headers: {
          ...(init.accept ? { accept: init.accept } : {}),
          ...init.headers,
          ...(this.#token ? { authorization: `Bearer ${this.#token}` } : {}),
        },
        body: init.body,
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    const response = await send();
    if (response.status !== 401 || this.#token !== undefined) return response;
    this.#token = await anonymousToken(response.headers.get('www-authenticate'), this.#name, {
      actions: this.#actions,
      timeoutMs: this.#timeoutMs,
    });
    return this.#token === undefined ? response : send();
  }
}

/** `Bearer realm="…",service="…"` → an anonymous token, if the challenge names a realm. */
async function anonymousToken(
  challenge: string | null,
  name: string,
  { actions, timeoutMs }: { actions: string; timeoutMs: number },
): Promise<string | undefined> {
  if (challenge === null || !/^bearer /i.test(challenge)) return undefined;
  const fields = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
  if (!fields.realm) return undefined;
  const url = new URL(fields.realm);
  if (fields.service) url.searchParams.set('service', fields.service);
  url.searchParams.set('scope', fields.scope ?? `repository:${name}:${actions}`);
  const response = await registryRequest(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) return undefined;
  const json = JSON.parse(response.body.toString('utf8')) as { token?: string; access_token?: string };
  return json.token ?? json.access_token;
}

/** Docker's rule: loopback registries are plain HTTP; others only when the engine says insecure. */
export function insecureRegistries(info: {
  RegistryConfig?: { IndexConfigs?: Record<string, { Secure?: boolean }> };
}): (host: string) => boolean {
  const configs = info.RegistryConfig?.IndexConfigs ?? {};
  return (host) => {
    const bare = host.replace(/:\d+$/, '');
    if (bare === 'localhost' || bare === '[::1]' || /^127\./.test(bare)) return true;
    return configs[host]?.Secure === false;
  };
}
