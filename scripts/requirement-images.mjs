// What the example modules list under `requirements` (repository.yml), made in the test bed's
// registry so that `e requirements` and `e export` work without internet:
// - images: each a copy of e's base image (linux/amd64 + linux/arm64) under its own name, with a
//   config of its own (an OCI title label), so that each has its own digests while the layers are
//   shared, as real images of one vendor often share a base; copied over the registry HTTP API
//   (layers mounted, not uploaded again);
// - files: small deterministic tarballs standing in for the upstream downloads, stored as blobs
//   of the `vendor/files` repository, whose blob URL serves them byte for byte (the sha256 in
//   repository.yml is theirs).
// Everything is deterministic: running it again writes the same digests (and skips what exists).
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';

export const REQUIREMENT_IMAGES = [
  'vendor/kafka:2.5.1',
  'vendor/kafka:2.6.0',
  'vendor/zookeeper:3.5.8',
  'vendor/kube-apiserver:1.29.4',
  'vendor/kube-controller-manager:1.29.4',
  'vendor/kube-scheduler:1.29.4',
  'vendor/kube-proxy:1.29.4',
  'vendor/etcd:3.5.12-0',
  'vendor/coredns:1.11.1',
  'vendor/pause:3.9',
  'vendor/prometheus:2.19.0',
  'vendor/node-exporter:1.0.1',
  'vendor/elasticsearch:7.8.0',
  'vendor/postgres:15.4',
  'vendor/ceph:15.2.8',
  'vendor/rook-ceph:1.5.4',
];

/** Stand-ins for upstream tarballs: name → the text of the one file inside. */
export const REQUIREMENT_FILES = {
  'kafka_2.12-2.5.1.tgz': 'Apache Kafka 2.5.1 for Scala 2.12 (test bed stand-in)\n',
  'kafka_2.12-2.6.0.tgz': 'Apache Kafka 2.6.0 for Scala 2.12 (test bed stand-in)\n',
  'node_exporter-1.0.1.linux-amd64.tar.gz': 'node_exporter 1.0.1 linux/amd64 (test bed stand-in)\n',
  'node_exporter-1.0.1.linux-arm64.tar.gz': 'node_exporter 1.0.1 linux/arm64 (test bed stand-in)\n',
};
export const FILES_REPOSITORY = 'vendor/files';

const BASE = 'e/base-node:0.1.0';
const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

const sha256 = (bytes) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** A one-file .tar.gz whose bytes depend only on `name` and `text`. */
export async function standInTarball(name, text) {
  const pack = tar.pack();
  const dir = name.replace(/\.(tgz|tar\.gz)$/, '');
  pack.entry({ name: `${dir}/README`, mtime: new Date(0), mode: 0o644, uid: 0, gid: 0 }, text);
  pack.finalize();
  const chunks = [];
  for await (const chunk of pack) chunks.push(chunk);
  return gzipSync(Buffer.concat(chunks), { level: 9 });
}

function registryApi(registry) {
  const base = `http://${registry}/v2`;
  async function call(method, path, { headers = {}, body, ok = [200, 201, 202] } = {}) {
    const url = path.startsWith('http') ? path : `${base}/${path}`;
    const response = await fetch(url, { method, headers, body });
    if (!ok.includes(response.status)) {
      throw new Error(`${method} ${url} answered HTTP ${response.status}: ${(await response.text()).slice(0, 200)}`);
    }
    return response;
  }
  return {
    async manifest(repo, reference) {
      const response = await call('GET', `${repo}/manifests/${reference}`, { headers: { accept: MANIFEST_TYPES } });
      const bytes = Buffer.from(await response.arrayBuffer());
      return { bytes, json: JSON.parse(bytes.toString('utf8')) };
    },
    async exists(repo, reference) {
      const response = await fetch(`${base}/${repo}/manifests/${reference}`, {
        method: 'HEAD',
        headers: { accept: MANIFEST_TYPES },
      });
      return response.status === 200;
    },
    async blob(repo, digest) {
      return Buffer.from(await (await call('GET', `${repo}/blobs/${digest}`)).arrayBuffer());
    },
    async hasBlob(repo, digest) {
      return (await fetch(`${base}/${repo}/blobs/${digest}`, { method: 'HEAD' })).status === 200;
    },
    async putBlob(repo, bytes) {
      const digest = sha256(bytes);
      if (await this.hasBlob(repo, digest)) return digest;
      const start = await call('POST', `${repo}/blobs/uploads/`);
      const location = new URL(start.headers.get('location'), `http://${registry}`);
      location.searchParams.set('digest', digest);
      await call('PUT', location.toString(), {
        headers: { 'content-type': 'application/octet-stream' },
        body: bytes,
      });
      return digest;
    },
    async mount(repo, digest, from) {
      if (await this.hasBlob(repo, digest)) return;
      await call('POST', `${repo}/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${from}`, { ok: [201, 202] });
      if (!(await this.hasBlob(repo, digest))) {
        // a registry that does not mount answers 202 and expects an upload
        await this.putBlob(repo, await this.blob(from, digest));
      }
    },
    async putManifest(repo, reference, mediaType, bytes) {
      await call('PUT', `${repo}/manifests/${reference}`, { headers: { 'content-type': mediaType }, body: bytes });
    },
  };
}

/** Copies e's base image under `name:tag` with a config of its own; returns false when it was there. */
async function copyImage(api, target) {
  const [repo, tag] = target.split(':');
  if (await api.exists(repo, tag)) return false;
  const [baseRepo, baseTag] = BASE.split(':');
  const index = await api.manifest(baseRepo, baseTag);
  if (!Array.isArray(index.json.manifests)) throw new Error(`${BASE} is not a multi-arch index`);
  const manifests = [];
  for (const entry of index.json.manifests) {
    const manifest = (await api.manifest(baseRepo, entry.digest)).json;
    const config = JSON.parse((await api.blob(baseRepo, manifest.config.digest)).toString('utf8'));
    config.config = config.config ?? {};
    config.config.Labels = {
      ...config.config.Labels,
      'org.opencontainers.image.title': repo.split('/').pop(),
      'org.opencontainers.image.version': tag,
      'org.e.role': 'requirement-example',
    };
    const configBytes = Buffer.from(JSON.stringify(config));
    const configDigest = await api.putBlob(repo, configBytes);
    for (const layer of manifest.layers) await api.mount(repo, layer.digest, baseRepo);
    const next = { ...manifest, config: { ...manifest.config, digest: configDigest, size: configBytes.length } };
    const bytes = Buffer.from(JSON.stringify(next));
    const digest = sha256(bytes);
    await api.putManifest(repo, digest, manifest.mediaType, bytes);
    manifests.push({ ...entry, digest, size: bytes.length });
  }
  const bytes = Buffer.from(JSON.stringify({ ...index.json, manifests }));
  await api.putManifest(repo, tag, index.json.mediaType, bytes);
  return true;
}

/** Makes every requirement image and file in `registry`; returns a one-line summary. */
export async function ensureRequirementImages(registry) {
  const api = registryApi(registry);
  let made = 0;
  for (const image of REQUIREMENT_IMAGES) if (await copyImage(api, image)) made++;
  let stored = 0;
  for (const [name, text] of Object.entries(REQUIREMENT_FILES)) {
    const bytes = await standInTarball(name, text);
    if (!(await api.hasBlob(FILES_REPOSITORY, sha256(bytes)))) {
      await api.putBlob(FILES_REPOSITORY, bytes);
      stored++;
    }
  }
  const images = REQUIREMENT_IMAGES.length;
  const files = Object.keys(REQUIREMENT_FILES).length;
  return made || stored
    ? `made ${made} of ${images} images, stored ${stored} of ${files} files`
    : `cached (${images} images, ${files} files)`;
}

/** `node scripts/requirement-images.mjs --print`: each file's name, URL path, sha256 and size (for repository.yml). */
if (import.meta.url === `file://${process.argv[1]}` && process.argv[2] === '--print') {
  for (const [name, text] of Object.entries(REQUIREMENT_FILES)) {
    const bytes = await standInTarball(name, text);
    const digest = sha256(bytes);
    console.log(`${name} /v2/${FILES_REPOSITORY}/blobs/${digest} ${digest.slice(7)} ${bytes.length}`);
  }
}
