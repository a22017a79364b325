import { createHash } from 'node:crypto';
import { normalizeArchitecture, type Platform } from './platform.js';

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
  const { host, name, reference } = parseRegistryRef(ref);
  const scheme = options.insecure(host) ? 'http' : 'https';
  const url = `${scheme}://${host}/v2/${name}/manifests/${reference}`;
  const timeout = options.timeoutMs ?? 15_000;
  let token: string | undefined;
  const get = async (target: string, accept: string) => {
    let response = await fetch(target, { headers: { accept }, signal: AbortSignal.timeout(timeout) });
    if (response.status === 401) {
      token ??= await pullToken(response.headers.get('www-authenticate'), name, timeout);
      if (token !== undefined) {
        response = await fetch(target, {
          headers: { accept, authorization: `Bearer ${token}` },
          signal: AbortSignal.timeout(timeout),
        });
      }
    }
    if (!response.ok) throw new Error(`${target} answered HTTP ${response.status}`);
    return response;
  };
  const response = await get(url, ACCEPT);
  const body = Buffer.from(await response.arrayBuffer());
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
    const config = (await (await get(`${scheme}://${host}/v2/${name}/blobs/${json.config.digest}`, '*/*')).json()) as {
      os?: string;
      architecture?: string;
    };
    const platform =
      config.os && config.architecture
        ? { os: config.os, architecture: normalizeArchitecture(config.architecture) }
        : undefined;
    return { digest, mediaType, manifests: [], ...(platform ? { platform } : {}) };
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
  return { digest, mediaType, manifests };
}

/** `Bearer realm="…",service="…"` → an anonymous pull token, if the challenge names a realm. */
async function pullToken(challenge: string | null, name: string, timeoutMs: number): Promise<string | undefined> {
  if (challenge === null || !/^bearer /i.test(challenge)) return undefined;
  const fields = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
  if (!fields.realm) return undefined;
  const url = new URL(fields.realm);
  if (fields.service) url.searchParams.set('service', fields.service);
  url.searchParams.set('scope', fields.scope ?? `repository:${name}:pull`);
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) return undefined;
  const json = (await response.json()) as { token?: string; access_token?: string };
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
