// The example downloader (label kind: downloader; contract: docs/module-authors.md). Its
// `download` command reads the package list e wrote to $E_INPUTS/download.json, finds each
// package in an apt-style HTTP directory (dists/<suite>/main/binary-<arch>/Packages[.gz], the
// layout of deb.debian.org), downloads the .deb the index names, checks its SHA256 against the
// index, and writes it to /shared/<module>/packages/ with an index.json listing what it wrote.
// Plain JavaScript on Node.js, no dependencies. The lifecycle commands do nothing.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

const module = process.env.E_MODULE ?? 'downloader';
const DEFAULT_MIRROR = 'http://deb.debian.org/debian';
/** Releases this downloader knows, as apt suites. */
const SUITES = {
  'debian-11': 'bullseye',
  'debian-12': 'bookworm',
  'debian-13': 'trixie',
  'ubuntu-22.04': 'jammy',
  'ubuntu-24.04': 'noble',
};

class Failure extends Error {}

async function get(url) {
  let response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(60_000) });
  } catch (error) {
    throw new Failure(`cannot fetch ${url}: ${error.cause?.code ?? error.message}`);
  }
  if (!response.ok) return { status: response.status };
  return { status: response.status, body: Buffer.from(await response.arrayBuffer()) };
}

/** `Package:`, `Version:`, ... stanzas of an apt Packages index. */
function parsePackages(text) {
  const out = [];
  for (const stanza of text.split(/\n\s*\n/)) {
    const fields = {};
    let last;
    for (const line of stanza.split('\n')) {
      if (/^\s/.test(line) && last) fields[last] += `\n${line.trim()}`;
      else {
        const colon = line.indexOf(':');
        if (colon > 0) {
          last = line.slice(0, colon);
          fields[last] = line.slice(colon + 1).trim();
        }
      }
    }
    if (fields.Package) out.push(fields);
  }
  return out;
}

const indexes = new Map();
async function packagesIndex(mirror, suite, arch) {
  const key = `${suite}/${arch}`;
  if (indexes.has(key)) return indexes.get(key);
  const base = `${mirror}/dists/${suite}/main/binary-${arch}/Packages`;
  const gz = await get(`${base}.gz`);
  let text;
  if (gz.body) text = gunzipSync(gz.body).toString('utf8');
  else {
    const plain = await get(base);
    if (!plain.body)
      throw new Failure(`${mirror} has no index for ${suite} ${arch} (HTTP ${plain.status} for ${base})`);
    text = plain.body.toString('utf8');
  }
  const parsed = parsePackages(text);
  indexes.set(key, parsed);
  return parsed;
}

const safeName = (name) => /^[A-Za-z0-9_+~][A-Za-z0-9._+~:-]*$/.test(name);

async function download() {
  const inputs = process.env.E_INPUTS ?? '/shared/.inputs';
  const request = JSON.parse(readFileSync(join(inputs, 'download.json'), 'utf8'));
  if (request.format !== 1)
    throw new Failure(`download.json has format ${request.format}; this downloader reads format 1`);
  const mirror = (request.mirror ?? DEFAULT_MIRROR).replace(/\/+$/, '');
  const platformArches = [...new Set(request.platforms.map((p) => p.split('/')[1]))];
  const folder = join(process.env.E_SHARED ?? '/shared', module, 'packages');
  mkdirSync(folder, { recursive: true });
  const written = [];
  for (const pkg of request.packages) {
    const suite = SUITES[pkg.os];
    if (!suite) throw new Failure(`unknown os ${pkg.os} for ${pkg.name}; known: ${Object.keys(SUITES).join(', ')}`);
    const arches = pkg.architectures ? platformArches.filter((a) => pkg.architectures.includes(a)) : platformArches;
    const seen = new Set();
    for (const arch of arches) {
      const index = await packagesIndex(mirror, suite, arch);
      const entry = index.find(
        (e) =>
          e.Package === pkg.name && e.Version === pkg.version && (e.Architecture === arch || e.Architecture === 'all'),
      );
      if (!entry) throw new Failure(`${pkg.name} ${pkg.version} is not in ${mirror} ${suite} main binary-${arch}`);
      const file = entry.Filename.split('/').pop();
      if (!safeName(file)) throw new Failure(`${mirror} names the unsafe file ${JSON.stringify(file)} for ${pkg.name}`);
      if (seen.has(file)) continue; // an Architecture: all package is the same file for every arch
      seen.add(file);
      const got = await get(`${mirror}/${entry.Filename}`);
      if (!got.body) throw new Failure(`cannot download ${mirror}/${entry.Filename}: HTTP ${got.status}`);
      const sha256 = createHash('sha256').update(got.body).digest('hex');
      if (entry.SHA256 && sha256 !== entry.SHA256) {
        throw new Failure(`${file} has sha256 ${sha256}, not the ${entry.SHA256} the index of ${mirror} states`);
      }
      writeFileSync(join(folder, file), got.body);
      written.push({
        name: pkg.name,
        version: pkg.version,
        os: pkg.os,
        architecture: entry.Architecture,
        file,
        sha256,
        size: got.body.length,
      });
      console.log(`${pkg.name} ${pkg.version} (${pkg.os}, ${entry.Architecture}): ${file}, ${got.body.length} bytes`);
    }
  }
  writeFileSync(join(folder, 'index.json'), `${JSON.stringify({ packages: written }, null, 2)}\n`);
  console.log(`${written.length} package file(s) from ${mirror}`);
}

const commands = {
  metadata: () => process.stdout.write('labels:\n  kind: downloader\n  name: APT package downloader\n'),
  init: () => console.log('nothing to initialise: the downloader only downloads'),
  plan: () => console.log('no changes: the downloader manages nothing'),
  apply: () => console.log('nothing to apply: the downloader manages nothing'),
  audit: () => console.log('clean: the downloader manages nothing'),
  download,
};

const command = process.argv[2];
const run = commands[command];
if (!run) {
  console.error(`${module}: unknown command "${command ?? ''}"; expected one of ${Object.keys(commands).join(', ')}`);
  process.exit(1);
}
try {
  await run();
} catch (error) {
  console.error(`${module} ${command}: ${error instanceof Failure ? error.message : error.stack}`);
  process.exit(1);
}
