#!/usr/bin/env node
// The offline archive against Docker's own: `e export` + `e import` (into the engine) of the
// example modules and the images they require, for TWO platforms (linux/amd64 and linux/arm64),
// divided by `docker save` + `docker load` of the same images for ONE platform (the engine's; the
// classic store holds one platform per tag). Also the archive's bytes ÷ `docker save`'s bytes
// (layers shared by modules are stored once; the archive keeps them gzip-compressed as the
// registry does) and the peak memory (max RSS) of `e export`.
// The timed runs import into an engine that already has the images (docker save needs them):
// docker load skips their layers, and e import tags them without loading (it still reads and
// hashes the whole archive). One more run without the images in the engine is printed for
// reference.
// Targets: time ≤ 1.2, size ≤ 1.0, e export under 200 MB whatever the image size.
// Modules whose requirements list OS packages are left out (those need the downloader module and
// a package mirror, which is not what this measures); the archive has no e package (--without-cli).
//
//   node bench/offline.mjs [--runs 1]   (after make setup)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { median, reportTarget } from './support/pairs.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = Number(process.argv[process.argv.indexOf('--runs') + 1] || 1) || 1;
const TARGET_TIME = 1.2;
const TARGET_SIZE = 1.0;
const TARGET_RSS_MB = 200;

const load = (name) => import(pathToFileURL(join(root, 'packages/core/dist', name)).href);
const { loadRepository } = await load('repository/index.js');
const { billOfMaterials } = await load('offline/index.js');

const repositoryFile = join(root, 'repository.yml');
const repository = await loadRepository(repositoryFile);
const modules = repository.components
  .filter((c) => c.versions.every((v) => (v.requirements?.packages ?? []).length === 0))
  .map((c) => c.name);
const bom = await billOfMaterials({ repository, modules, platforms: ['linux/amd64', 'linux/arm64'] });
const refs = bom.images.map((i) => i.reference);
const engine = spawnSync('docker', ['version', '--format', '{{.Server.Os}}/{{.Server.Arch}}'], { encoding: 'utf8' });
const platform = engine.stdout.trim();
console.log(`modules: ${modules.join(', ')}`);
console.log(
  `images: ${refs.length} (${bom.images.filter((i) => i.kind === 'requirement').length} required by modules); engine ${platform}`,
);
console.log(`machine: ${cpus().length} cores, load ${loadavg()[0].toFixed(2)}`);

function run(what, command, args) {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { encoding: 'utf8', cwd: root, maxBuffer: 64 * 1024 * 1024 });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) {
    console.error(`${what} failed (exit ${result.status}):\n${result.stderr}`);
    process.exit(1);
  }
  return { ms, stdout: result.stdout, stderr: result.stderr };
}

/** The engine must have each image for its platform, for docker save (pulled by tag, one platform). */
for (const ref of refs) run(`docker pull ${ref}`, 'docker', ['pull', '-q', '--platform', platform, ref]);

/** e's CLI in a node process that prints its own peak memory (max RSS) on stderr at the end. */
const eWithRss = (args) => [
  '--input-type=module',
  '-e',
  `const { main } = await import(${JSON.stringify(pathToFileURL(join(root, 'packages/cli/dist/main.js')).href)});
   const code = await main(['node', 'e', ...${JSON.stringify(args)}]);
   process.stderr.write('maxrss ' + process.resourceUsage().maxRSS + '\\n');
   process.exitCode = code;`,
];

/** e export of the modules for both platforms into `archive`, timed, with e's peak memory. */
const eExport = (archive) =>
  run(
    'e export',
    process.execPath,
    eWithRss([
      '-r',
      repositoryFile,
      'export',
      archive,
      ...modules,
      '--platform',
      'linux/amd64,linux/arm64',
      '--without-cli',
    ]),
  );

/** e import of `archive` into the engine (files under `dir`), timed, with e's peak memory; JSON on stdout. */
const eImport = (archive, dir) =>
  run(
    'e import',
    process.execPath,
    eWithRss([
      'import',
      archive,
      '--repository-out',
      join(dir, 'repository.yml'),
      '--out',
      join(dir, 'files'),
      '-o',
      'json',
    ]),
  );

const ratios = [];
for (let i = 0; i < RUNS; i++) {
  const dir = mkdtempSync(join(tmpdir(), 'e-bench-offline-'));
  try {
    const archive = join(dir, 'site.tar');
    const saved = join(dir, 'docker-save.tar');
    const exported = eExport(archive);
    const rssKb = Number(/maxrss (\d+)/.exec(exported.stderr)?.[1] ?? 0);
    const imported = eImport(archive, dir);
    const importRssKb = Number(/maxrss (\d+)/.exec(imported.stderr)?.[1] ?? 0);
    const loaded = JSON.parse(imported.stdout).loaded ?? [];
    const save = run('docker save', 'docker', ['save', '-o', saved, ...refs]);
    const dockerLoad = run('docker load', 'docker', ['load', '-q', '-i', saved]);
    // e import's extra tags (repo:sha256-<hex>) are this bench's: remove them
    for (const l of loaded) for (const tag of l.tags.slice(1)) spawnSync('docker', ['rmi', tag], { stdio: 'ignore' });

    const eMs = exported.ms + imported.ms;
    const dockerMs = save.ms + dockerLoad.ms;
    const eBytes = statSync(archive).size;
    const dockerBytes = statSync(saved).size;
    const r = { time: eMs / dockerMs, size: eBytes / dockerBytes, rssMb: rssKb / 1024 };
    ratios.push(r);
    console.log(
      `run ${i + 1}: e export ${(exported.ms / 1000).toFixed(1)} s + e import ${(imported.ms / 1000).toFixed(1)} s (2 platforms) = ${(eMs / 1000).toFixed(1)} s;` +
        ` docker save ${(save.ms / 1000).toFixed(1)} s + docker load ${(dockerLoad.ms / 1000).toFixed(1)} s (1 platform) = ${(dockerMs / 1000).toFixed(1)} s`,
    );
    console.log(
      `       archive ${(eBytes / 1e6).toFixed(1)} MB (2 platforms) vs docker save ${(dockerBytes / 1e6).toFixed(1)} MB (1 platform);` +
        ` max RSS e export ${r.rssMb.toFixed(0)} MB, e import ${(importRssKb / 1024).toFixed(0)} MB`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
// For reference, not a target: the same import into an engine that lacks the images (a site's
// first import), where e import loads every layer and docker load registers them too.
{
  const dir = mkdtempSync(join(tmpdir(), 'e-bench-offline-'));
  const ids = [
    ...new Set(
      refs.map((ref) =>
        spawnSync('docker', ['image', 'inspect', '--format', '{{.Id}}', ref], { encoding: 'utf8' }).stdout.trim(),
      ),
    ),
  ];
  const forget = () => spawnSync('docker', ['rmi', '-f', ...ids], { stdio: 'ignore' });
  try {
    const archive = join(dir, 'site.tar');
    const saved = join(dir, 'docker-save.tar');
    eExport(archive);
    run('docker save', 'docker', ['save', '-o', saved, ...refs]);
    forget();
    const imported = eImport(archive, dir);
    const loaded = JSON.parse(imported.stdout).loaded ?? [];
    if (loaded.some((l) => l.action !== 'loaded')) throw new Error('the cold import found images in the engine');
    forget();
    const dockerLoad = run('docker load', 'docker', ['load', '-q', '-i', saved]);
    console.log(
      `engine without the images (reference, no target): e import ${(imported.ms / 1000).toFixed(1)} s (loads ${loaded.length} images) vs docker load ${(dockerLoad.ms / 1000).toFixed(1)} s: ${(imported.ms / dockerLoad.ms).toFixed(2)}`,
    );
  } finally {
    // docker load put the images back under their tags (the same IDs), but without the registry
    // digests a pull records, which e's runs look for: pull them again (their layers are there)
    for (const ref of refs) spawnSync('docker', ['pull', '-q', '--platform', platform, ref], { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  }
}

const time = median(ratios.map((r) => r.time));
const size = median(ratios.map((r) => r.size));
const rss = Math.max(...ratios.map((r) => r.rssMb));
const verdict = (ok) => (ok ? 'ok' : 'OVER TARGET');
reportTarget(`export + import ÷ docker save + load <= ${TARGET_TIME}`, time <= TARGET_TIME, time.toFixed(2));
reportTarget(`archive bytes ÷ docker save bytes <= ${TARGET_SIZE}`, size <= TARGET_SIZE, size.toFixed(2));
reportTarget(`peak memory of e export < ${TARGET_RSS_MB} MB`, rss < TARGET_RSS_MB, `${rss.toFixed(0)} MB`);
console.log(
  `time ratio (e export + import, 2 platforms ÷ docker save + load, 1 platform): ${time.toFixed(2)} (target ≤ ${TARGET_TIME}) ${verdict(time <= TARGET_TIME)}`,
);
console.log(
  `size ratio (archive ÷ docker save): ${size.toFixed(2)} (target ≤ ${TARGET_SIZE}) ${verdict(size <= TARGET_SIZE)}`,
);
console.log(
  `peak memory of e export: ${rss.toFixed(0)} MB (target < ${TARGET_RSS_MB} MB) ${verdict(rss < TARGET_RSS_MB)}`,
);
