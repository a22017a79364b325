#!/usr/bin/env node
// Builds the base images and every module image for linux/amd64 and linux/arm64, pushes them to the
// local registry with a multi-arch index, and skips whatever is already built and pushed (images
// are keyed by a content hash). Layout and tags: docs/module-layout.md.
//
//   node scripts/build-images.mjs [--only NAME...]
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import Docker from 'dockerode';
import { build } from 'esbuild';

const ROOT = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
const TESTBED = join(ROOT, '.e-testbed');
const REGISTRY = process.env.E_TEST_REGISTRY ?? 'localhost:5000';
const ARCHES = ['amd64', 'arm64'];
const HASH_LABEL = 'org.e.content-hash';
const docker = new Docker();

// --- steps and timing ----------------------------------------------------------------------------
async function step(title, fn) {
  const start = Date.now();
  console.log(`==> ${title}`);
  const summary = await fn();
  console.log(`    ${summary} (${((Date.now() - start) / 1000).toFixed(1)}s)`);
}

function sha256(...parts) {
  const h = createHash('sha256');
  for (const p of parts) h.update(typeof p === 'string' ? p : Buffer.from(p)).update('\0');
  return h.digest('hex');
}

async function localImage(ref) {
  try {
    return await docker.getImage(ref).inspect();
  } catch (error) {
    if (error.statusCode === 404) return undefined;
    throw error;
  }
}

/** Waits for a build or push stream and fails on the errors the engine reports inside it. */
function follow(stream, log) {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (err, events) => {
        if (err) return reject(err);
        const bad = events.find((e) => e.error || e.errorDetail);
        if (bad) return reject(new Error(bad.error ?? bad.errorDetail?.message));
        resolve(events);
      },
      (event) => {
        if (log && event.stream) log.push(event.stream);
      },
    );
  });
}

async function buildImage({ contextDir, tag, platform, buildargs, labels }) {
  const log = [];
  const stream = await docker.buildImage(
    { context: contextDir, src: readdirRecursive(contextDir) },
    { t: tag, platform, buildargs, labels, rm: true, forcerm: true, pull: false },
  );
  try {
    await follow(stream, log);
  } catch (error) {
    throw new Error(`docker build of ${tag} failed: ${error.message}\n${log.join('').slice(-2000)}`);
  }
  const image = await localImage(tag);
  const arch = platform.split('/')[1];
  if (!image) throw new Error(`docker build of ${tag} produced no image`);
  if (image.Architecture !== arch) {
    throw new Error(`${tag} was built for ${platform} but its config says ${image.Architecture}`);
  }
  return image;
}

function readdirRecursive(dir, prefix = '') {
  const out = [];
  for (const entry of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...readdirRecursive(dir, rel));
    else out.push(rel);
  }
  return out.sort();
}

// --- registry (distribution API) -----------------------------------------------------------------
const MANIFEST_V2 = 'application/vnd.docker.distribution.manifest.v2+json';
const MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

function splitRef(ref) {
  const slash = ref.indexOf('/');
  const colon = ref.lastIndexOf(':');
  return { host: ref.slice(0, slash), repo: ref.slice(slash + 1, colon), tag: ref.slice(colon + 1) };
}

async function getManifest(ref, accept) {
  const { host, repo, tag } = splitRef(ref);
  const res = await fetch(`http://${host}/v2/${repo}/manifests/${tag}`, { headers: { accept } });
  if (res.status === 404) return undefined;
  if (!res.ok) throw new Error(`registry answered ${res.status} for ${ref}`);
  const bytes = Buffer.from(await res.arrayBuffer());
  return {
    bytes,
    json: JSON.parse(bytes.toString('utf8')),
    mediaType: res.headers.get('content-type'),
    digest: `sha256:${sha256Raw(bytes)}`,
  };
}

function sha256Raw(bytes) {
  return createHash('sha256').update(bytes).digest('hex');
}

async function putManifest(ref, mediaType, body) {
  const { host, repo, tag } = splitRef(ref);
  const res = await fetch(`http://${host}/v2/${repo}/manifests/${tag}`, {
    method: 'PUT',
    headers: { 'content-type': mediaType },
    body,
  });
  if (!res.ok) throw new Error(`registry refused the index ${ref}: ${res.status} ${await res.text()}`);
}

/** Pushes `ref` unless the registry already holds exactly this image (same config digest). */
async function pushIfNeeded(ref, imageId) {
  const remote = await getManifest(ref, `${MANIFEST_V2}, ${OCI_MANIFEST}`);
  if (remote?.json.config?.digest === imageId) return false;
  const stream = await docker.getImage(ref).push({ authconfig: {} });
  await follow(stream);
  return true;
}

/** Writes the multi-arch index `ref` over the per-arch tags, unless it is already exactly that. */
async function writeIndex(ref, archRefs) {
  const manifests = [];
  for (const [arch, archRef] of archRefs) {
    const m = await getManifest(archRef, `${MANIFEST_V2}, ${OCI_MANIFEST}`);
    if (!m) throw new Error(`${archRef} is not in the registry`);
    manifests.push({
      mediaType: m.mediaType,
      size: m.bytes.length,
      digest: m.digest,
      platform: { architecture: arch, os: 'linux' },
    });
  }
  const oci = manifests.every((m) => m.mediaType === OCI_MANIFEST);
  const mediaType = oci ? OCI_INDEX : MANIFEST_LIST;
  const body = JSON.stringify({ schemaVersion: 2, mediaType, manifests });
  const current = await getManifest(ref, `${MANIFEST_LIST}, ${OCI_INDEX}`);
  if (current && current.digest === `sha256:${sha256Raw(Buffer.from(body))}`) return false;
  await putManifest(ref, mediaType, body);
  return true;
}

// --- base images ---------------------------------------------------------------------------------
const BASE_RECIPE = {
  suite: 'bookworm',
  variant: 'minbase',
  include: ['nodejs', 'ca-certificates'],
  exclude: ['/usr/share/doc/*', '/usr/share/man/*', '/usr/share/locale/*', '/usr/share/info/*'],
  dockerfile: 'FROM scratch\nADD rootfs.tar /\nENV NODE_OPTIONS=--unhandled-rejections=strict\nCMD ["node"]\n',
};
const BASE_HASH = sha256(JSON.stringify(BASE_RECIPE)).slice(0, 12);
const baseTag = (arch) => `e-base-node:${BASE_HASH}-${arch}`;

/** The host's Debian sources for the recipe's suite, as one-line entries for mmdebstrap. */
function hostSources() {
  const entries = [];
  const files = ['/etc/apt/sources.list'];
  if (existsSync('/etc/apt/sources.list.d')) {
    for (const f of readdirSync('/etc/apt/sources.list.d')) files.push(join('/etc/apt/sources.list.d', f));
  }
  for (const file of files) {
    if (!existsSync(file)) continue;
    const text = readFileSync(file, 'utf8');
    if (file.endsWith('.sources')) {
      for (const stanza of text.split(/\n\s*\n/)) {
        const field = (name) =>
          stanza
            .match(new RegExp(`^${name}:\\s*(.+)$`, 'mi'))?.[1]
            .trim()
            .split(/\s+/) ?? [];
        if (!field('Types').includes('deb') || /^Enabled:\s*no/im.test(stanza)) continue;
        for (const uri of field('URIs'))
          for (const suite of field('Suites'))
            if (suite.startsWith(BASE_RECIPE.suite) && field('Components').includes('main'))
              entries.push(`deb ${uri} ${suite} main`);
      }
    } else if (file.endsWith('.list')) {
      for (const line of text.split('\n')) {
        const m = line.match(/^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)\s+(.*)$/);
        if (m?.[2].startsWith(BASE_RECIPE.suite) && m[3].split(/\s+/).includes('main'))
          entries.push(`deb ${m[1]} ${m[2]} main`);
      }
    }
  }
  return entries;
}

function run(cmd, args, logFile) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks = [];
    child.stdout.on('data', (d) => chunks.push(d));
    child.stderr.on('data', (d) => chunks.push(d));
    child.on('error', reject);
    child.on('close', (code) => {
      writeFileSync(logFile, Buffer.concat(chunks));
      if (code === 0) resolve();
      else reject(new Error(`${cmd} exited with ${code}; see ${relative(ROOT, logFile)}`));
    });
  });
}

async function buildBase(arch) {
  const dir = join(TESTBED, `base-${arch}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const sources = hostSources();
  if (sources.length === 0) throw new Error(`no Debian ${BASE_RECIPE.suite} source found in /etc/apt for mmdebstrap`);
  await run(
    'mmdebstrap',
    [
      `--variant=${BASE_RECIPE.variant}`,
      `--architectures=${arch}`,
      `--include=${BASE_RECIPE.include.join(',')}`,
      ...BASE_RECIPE.exclude.map((p) => `--dpkgopt=path-exclude=${p}`),
      '--quiet',
      BASE_RECIPE.suite,
      join(dir, 'rootfs.tar'),
      ...sources,
    ],
    join(TESTBED, `mmdebstrap-${arch}.log`),
  );
  writeFileSync(join(dir, 'Dockerfile'), BASE_RECIPE.dockerfile);
  await buildImage({
    contextDir: dir,
    tag: baseTag(arch),
    platform: `linux/${arch}`,
    labels: { [HASH_LABEL]: BASE_HASH, 'org.e.role': 'base' },
  });
  rmSync(dir, { recursive: true, force: true });
}

async function ensureBaseImages() {
  await step(
    `base images e-base-node:${BASE_HASH}-{${ARCHES.join(',')}} (Debian ${BASE_RECIPE.suite} + Node.js)`,
    async () => {
      const missing = [];
      for (const arch of ARCHES) if (!(await localImage(baseTag(arch)))) missing.push(arch);
      if (missing.length === 0) return 'cached';
      const have = execFileSync('sh', ['-c', 'command -v mmdebstrap || true']).toString().trim();
      if (!have)
        throw new Error('mmdebstrap is missing: run make setup (it installs it) or apt-get install mmdebstrap');
      console.log(`    building ${missing.join(' and ')} with mmdebstrap (a few minutes, once)`);
      await Promise.all(missing.map(buildBase));
      return `built ${missing.join(', ')}`;
    },
  );
}

// --- module images -------------------------------------------------------------------------------
const DEFAULT_DOCKERFILE = `ARG BASE
FROM \${BASE}
ARG MODULE_VERSION
ENV E_MODULE_IMAGE_VERSION=\${MODULE_VERSION}
COPY . /module/
WORKDIR /shared
ENTRYPOINT ["node", "/module/module.mjs"]
`;

function moduleDirs() {
  const out = [];
  for (const [parent, namespace] of [
    ['modules', 'modules'],
    ['test/modules', 'test-modules'],
  ]) {
    const abs = join(ROOT, parent);
    if (!existsSync(abs)) continue;
    for (const name of readdirSync(abs).sort()) {
      const dir = join(abs, name);
      if (statSync(dir).isDirectory() && existsSync(join(dir, 'package.json'))) out.push({ name, dir, namespace });
    }
  }
  return out;
}

async function bundle(dir) {
  const entry = ['src/index.ts', 'src/index.mjs', 'src/index.js'].map((f) => join(dir, f)).find(existsSync);
  if (!entry) throw new Error(`${relative(ROOT, dir)} has no src/index.ts, src/index.mjs or src/index.js`);
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node18',
    write: false,
    legalComments: 'none',
    logLevel: 'silent',
    // bundled CommonJS dependencies may call require() for Node built-ins
    banner: {
      js: "import { createRequire as __eCreateRequire } from 'node:module'; const require = __eCreateRequire(import.meta.url);",
    },
  });
  return result.outputFiles[0].contents;
}

async function buildModule({ name, dir, namespace }) {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const versions = pkg.e?.versions ?? [pkg.version];
  const code = await bundle(dir);
  const dockerfile = existsSync(join(dir, 'Dockerfile'))
    ? readFileSync(join(dir, 'Dockerfile'), 'utf8')
    : DEFAULT_DOCKERFILE;
  const filesDir = join(dir, 'files');
  const files = existsSync(filesDir) ? readdirRecursive(filesDir) : [];
  const done = [];

  for (const version of versions) {
    const hash = sha256(
      BASE_HASH,
      version,
      dockerfile,
      code,
      ...files.flatMap((f) => [f, readFileSync(join(filesDir, f))]),
    ).slice(0, 16);
    const ref = `${REGISTRY}/${namespace}/${name}:${version}`;
    const archRefs = [];
    const archIds = [];
    let built = 0;
    let pushed = 0;
    for (const arch of ARCHES) {
      const archRef = `${ref}-${arch}`;
      archRefs.push([arch, archRef]);
      let image = await localImage(archRef);
      if (image?.Config?.Labels?.[HASH_LABEL] !== hash) {
        const ctx = join(ROOT, 'build', 'images', namespace, name, version);
        rmSync(ctx, { recursive: true, force: true });
        mkdirSync(ctx, { recursive: true });
        writeFileSync(join(ctx, 'module.mjs'), code);
        writeFileSync(join(ctx, 'Dockerfile'), dockerfile);
        for (const f of files) {
          mkdirSync(join(ctx, 'files', f, '..'), { recursive: true });
          writeFileSync(join(ctx, 'files', f), readFileSync(join(filesDir, f)));
        }
        image = await buildImage({
          contextDir: ctx,
          tag: archRef,
          platform: `linux/${arch}`,
          buildargs: { BASE: baseTag(arch), MODULE_VERSION: version },
          labels: { [HASH_LABEL]: hash, 'org.e.module': name, 'org.e.module-version': version },
        });
        built++;
      }
      if (await pushIfNeeded(archRef, image.Id)) pushed++;
      archIds.push(image.Id);
    }
    const indexWritten = await writeIndex(ref, archRefs);
    // A local copy of the multi-arch tag pulled before this build would shadow the new images for
    // e's default pull policy (missing): untag it unless it is one of the images just built.
    const shadow = await localImage(ref);
    if (shadow && !archIds.includes(shadow.Id)) await docker.getImage(ref).remove({ noprune: true });
    done.push(
      `${name}:${version} ${built || pushed || indexWritten ? `built ${built}, pushed ${pushed}${indexWritten ? ', index written' : ''}` : 'cached'}`,
    );
  }
  return done.join('; ');
}

async function main() {
  const only = process.argv.includes('--only') ? process.argv.slice(process.argv.indexOf('--only') + 1) : undefined;
  await docker.ping().catch((error) => {
    throw new Error(`no Docker engine answers (${error.code ?? error.message}); run make setup`);
  });
  await ensureBaseImages();
  for (const mod of moduleDirs()) {
    if (only && !only.includes(mod.name)) continue;
    await step(`module ${mod.namespace}/${mod.name} (linux/amd64 + linux/arm64)`, () => buildModule(mod));
  }
}

main().catch((error) => {
  console.error(`build-images: ${error.message}`);
  process.exit(1);
});
