#!/usr/bin/env node
// The test bed's images: e's base image (Debian bookworm + Node.js, made with mmdebstrap, published
// as <registry>/e/base-node:<version>) and every module under modules/ and test/modules/, for
// linux/amd64 and linux/arm64, pushed with a multi-arch index. Modules are built by the one
// implementation `e module build` uses (@e/core buildModule); this script only adds the base image
// recipe and the list of modules. Layout and tags: docs/module-layout.md. The images and files the
// example modules list under `requirements` are made by requirement-images.mjs.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import {
  BASE_IMAGE,
  baseImageRef,
  buildModule,
  CONTENT_HASH_LABEL,
  createDockerBuilder,
  publishMultiArch,
  registryFromEnv,
} from '@e/core';
import { ensureRequirementImages } from './requirement-images.mjs';

const USAGE = `usage: node scripts/build-images.mjs [--only NAME...]

Builds e's base image and the images of every module under modules/ and test/modules/ for
linux/amd64 and linux/arm64, and pushes them with a multi-arch index to the registry
(E_TEST_REGISTRY, default localhost:5000). What is already built and pushed (same content hash)
is neither built nor pushed again. One module outside these directories: e module build DIR --push.

  --only NAME...  build only these modules (the base image is always made)
  -h, --help      print this text
`;

const ROOT = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
const TESTBED = join(ROOT, '.e-testbed');
const REGISTRY = registryFromEnv();
const ARCHES = ['amd64', 'arm64'];

// --- arguments -----------------------------------------------------------------------------------
function parseArgs(argv) {
  let only;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h' || arg === '--help') return { help: true };
    if (arg === '--only') {
      only = [];
      while (i + 1 < argv.length && !argv[i + 1].startsWith('-')) only.push(argv[++i]);
      if (only.length === 0) throw new UsageError('--only needs at least one module name');
    } else throw new UsageError(`unknown argument ${arg}`);
  }
  return { only };
}

class UsageError extends Error {}

// --- steps and timing ----------------------------------------------------------------------------
async function step(title, fn) {
  const start = Date.now();
  console.log(`==> ${title}`);
  const summary = await fn();
  console.log(`    ${summary} (${((Date.now() - start) / 1000).toFixed(1)}s)`);
}

// --- the base image ------------------------------------------------------------------------------
const BASE_RECIPE = {
  suite: 'bookworm',
  variant: 'minbase',
  include: ['nodejs', 'ca-certificates'],
  exclude: ['/usr/share/doc/*', '/usr/share/man/*', '/usr/share/locale/*', '/usr/share/info/*'],
  dockerfile: 'FROM scratch\nADD rootfs.tar /\nENV NODE_OPTIONS=--unhandled-rejections=strict\nCMD ["node"]\n',
};
const BASE_HASH = createHash('sha256').update(JSON.stringify(BASE_RECIPE)).update('\0').digest('hex').slice(0, 12);
const localBaseTag = (arch) => `e-base-node:${BASE_HASH}-${arch}`;

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

async function buildBase(builder, arch) {
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
  await builder.build({
    contextDir: dir,
    files: ['Dockerfile', 'rootfs.tar'],
    tag: localBaseTag(arch),
    platform: { os: 'linux', architecture: arch },
    buildArgs: {},
    labels: { [CONTENT_HASH_LABEL]: BASE_HASH, 'org.e.role': 'base' },
  });
  const image = await builder.inspect(localBaseTag(arch));
  if (image?.architecture !== arch) throw new Error(`${localBaseTag(arch)} is not a linux/${arch} image`);
  rmSync(dir, { recursive: true, force: true });
}

/** Builds what is missing locally (mmdebstrap, minutes, once), then publishes <registry>/e/base-node:<version>. */
async function ensureBaseImage(builder) {
  const reference = baseImageRef(REGISTRY);
  await step(`base image ${reference} (Debian ${BASE_RECIPE.suite} + Node.js, ${ARCHES.join(' + ')})`, async () => {
    const missing = [];
    for (const arch of ARCHES) if (!(await builder.inspect(localBaseTag(arch)))) missing.push(arch);
    if (missing.length > 0) {
      const have = execFileSync('sh', ['-c', 'command -v mmdebstrap || true']).toString().trim();
      if (!have)
        throw new Error('mmdebstrap is missing: run make setup (it installs it) or apt-get install mmdebstrap');
      console.log(`    building ${missing.join(' and ')} with mmdebstrap (a few minutes, once)`);
      await Promise.all(missing.map((arch) => buildBase(builder, arch)));
    }
    const images = [];
    for (const arch of ARCHES) {
      const tag = `${reference}-${arch}`;
      const image = await builder.inspect(localBaseTag(arch));
      if ((await builder.inspect(tag))?.id !== image.id) await builder.tag(localBaseTag(arch), tag);
      images.push({ platform: { os: 'linux', architecture: arch }, tag, imageId: image.id });
    }
    const published = await publishMultiArch(builder, reference, images);
    const pushed = published.platforms.filter((p) => p.pushed).length;
    return missing.length || pushed || published.indexWritten
      ? `built ${missing.length}, pushed ${pushed}${published.indexWritten ? ', index written' : ''}`
      : `cached (${BASE_IMAGE.repository}:${BASE_IMAGE.version} = ${BASE_HASH})`;
  });
}

// --- modules -------------------------------------------------------------------------------------
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
      const buildable = existsSync(join(dir, 'package.json')) || existsSync(join(dir, 'Dockerfile'));
      if (statSync(dir).isDirectory() && buildable) out.push({ name, dir, namespace });
    }
  }
  return out;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (args.help) {
    process.stdout.write(USAGE);
    return;
  }
  const modules = moduleDirs();
  if (args.only) {
    const unknown = args.only.filter((name) => !modules.some((m) => m.name === name));
    if (unknown.length > 0) {
      throw new Error(
        `no module ${unknown.join(', ')} under modules/ or test/modules/ (there: ${modules.map((m) => m.name).join(', ')}); ` +
          'a module elsewhere builds with: e module build DIR --push',
      );
    }
  }
  const builder = await createDockerBuilder();
  await ensureBaseImage(builder);
  await step("the example modules' requirement images and files (scripts/requirement-images.mjs)", () =>
    ensureRequirementImages(REGISTRY),
  );
  for (const mod of modules) {
    if (args.only && !args.only.includes(mod.name)) continue;
    await step(`module ${mod.namespace}/${mod.name} (${ARCHES.map((a) => `linux/${a}`).join(' + ')})`, async () => {
      const result = await buildModule(builder, { dir: mod.dir, push: true, registry: REGISTRY });
      return result.images
        .map((image) => {
          const built = image.platforms.filter((p) => p.built).length;
          const pushed = image.platforms.filter((p) => p.pushed).length;
          const what =
            built || pushed || image.indexWritten
              ? `built ${built}, pushed ${pushed}${image.indexWritten ? ', index written' : ''}`
              : 'cached';
          return `${result.module}:${image.version} ${what}`;
        })
        .join('; ');
    });
  }
}

main().catch((error) => {
  if (error instanceof UsageError) {
    console.error(`build-images: ${error.message}\n\n${USAGE}`);
    process.exit(2);
  }
  console.error(`build-images: ${error.message}${error.hint ? `\n  hint: ${error.hint}` : ''}`);
  process.exit(1);
});
