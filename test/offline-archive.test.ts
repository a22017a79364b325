import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { billOfMaterials, copyImage } from '@e/core/offline';
import { loadRepository } from '@e/core/repository';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker } from './support/docker.js';
import { installShared, requireExampleImages } from './support/install-fixtures.js';
import { registryAnswers, startRegistry, type TestRegistry } from './support/registry.js';
import { e, ROOT } from './support/run-e.js';
import { expectNoEContainers, stateData } from './support/runtime-fixtures.js';

const MODULES = ['azi', 'kafka'];
let work: string;
let first: TestRegistry;
let archive: string;
/** The registry's index digest of each image, as the first registry holds it. */
const indexDigests: Record<string, string> = {};
const registries: TestRegistry[] = [];
/** Tags this file loads into the engine, removed at the end. */
const loadedTags: string[] = [];

/** e module install kafka --with-deps --prefer azi -y from `repository` into `shared`. */
function installKafka(repository: string, shared: string, ...extra: string[]) {
  return e([
    '-r',
    repository,
    '-s',
    shared,
    'module',
    'install',
    'kafka',
    '--with-deps',
    '--prefer',
    'azi',
    '-y',
    ...extra,
  ]);
}

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

async function indexDigest(host: string, module: string): Promise<string> {
  const res = await fetch(`http://${host}/v2/modules/${module}/manifests/0.1.0`, {
    method: 'HEAD',
    headers: {
      accept: 'application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.index.v1+json',
    },
  });
  expect(res.status, `${host}/modules/${module}:0.1.0`).toBe(200);
  return res.headers.get('docker-content-digest') as string;
}

beforeAll(async () => {
  await requireExampleImages(MODULES);
  work = mkdtempSync(join(tmpdir(), 'e-offline-'));
  // a first registry of the test's own (the shared one on 5000 must keep running for others)
  first = await startRegistry();
  registries.push(first);
  // every image the modules need (their own and their requirements'), as the bill of materials lists them
  const bom = await billOfMaterials({
    repository: await loadRepository(join(ROOT, 'repository.yml')),
    modules: MODULES,
  });
  for (const image of bom.images) await copyImage(image.reference, first.host);
  for (const module of MODULES) indexDigests[module] = await indexDigest(first.host, module);
  const repository = join(work, 'repository-first.yml');
  writeFileSync(
    repository,
    readFileSync(join(ROOT, 'repository.yml'), 'utf8').replaceAll('localhost:5000/', `${first.host}/`),
  );
  archive = join(work, 'site.tar');
  const args = ['-r', repository, 'export', archive, ...MODULES, '--platform', 'linux/amd64,linux/arm64'];
  const exported = await e(args);
  expect(exported.exitCode, exported.stderr).toBe(0);
  expect(exported.stdout).toMatch(/\d+ images for linux\/amd64, linux\/arm64/);
  // the same input gives the same bytes
  const again = await e([...args.slice(0, 3), join(work, 'again.tar'), ...args.slice(4)]);
  expect(again.exitCode, again.stderr).toBe(0);
  expect(sha256(join(work, 'again.tar'))).toBe(sha256(archive));
  rmSync(join(work, 'again.tar'));
  // the site cannot reach the first registry: stop it for real
  await first.stop();
  expect(await registryAnswers(first.host)).toBe(false);
}, 600_000);

afterAll(async () => {
  for (const registry of registries) {
    await registry.stop();
    // what the installs pulled from this test's registries (by digest: no tags)
    for (const image of await docker.listImages({ filters: { reference: [`${registry.host}/*/*`] } })) {
      for (const ref of [...(image.RepoTags ?? []), ...(image.RepoDigests ?? [])]) {
        if (ref.startsWith(`${registry.host}/`))
          await docker
            .getImage(ref)
            .remove({ noprune: true })
            .catch(() => undefined);
      }
    }
  }
  for (const tag of loadedTags) {
    await docker
      .getImage(tag)
      .remove({ noprune: true })
      .catch(() => undefined);
  }
  if (work) rmSync(work, { recursive: true, force: true });
  await expectNoEContainers();
});

describe('e export → e import, with the first registry stopped', () => {
  it('the archive is an OCI layout and a docker load archive, and keeps the registry index digests', async () => {
    const index = JSON.parse(
      (
        await e([
          '-o',
          'json',
          'import',
          archive,
          '--repository-out',
          join(work, 'never.yml'),
          '--registry',
          '127.0.0.1:1',
        ])
      ).stdout,
    );
    // the registry cannot be reached: verified first, then refused, nothing written
    expect(index.ok).toBe(false);
    expect(index.error.code).toBe('E_REGISTRY_UNREACHABLE');
    const names = execFileSync('tar', ['tf', archive], { encoding: 'utf8' }).trim().split('\n');
    expect(names.slice(0, 4)).toEqual(['oci-layout', 'index.json', 'manifest.json', 'e/manifest.json']);
    const ociIndex = JSON.parse(execFileSync('tar', ['xOf', archive, 'index.json'], { encoding: 'utf8' }));
    for (const module of MODULES) {
      const entry = ociIndex.manifests.find(
        (m: { annotations: Record<string, string> }) =>
          m.annotations['io.containerd.image.name'] === `${first.host}/modules/${module}:0.1.0`,
      );
      expect(entry.digest).toBe(indexDigests[module]);
    }
    const dockerLoad = JSON.parse(execFileSync('tar', ['xOf', archive, 'manifest.json'], { encoding: 'utf8' }));
    expect(dockerLoad.length).toBeGreaterThanOrEqual(4); // 2 module images × 2 platforms, and requirement images
    expect(dockerLoad[0].Config).toMatch(/^blobs\/sha256\/[a-f0-9]{64}$/);
    // a layer shared by both modules is stored once
    expect(new Set(names).size).toBe(names.length);
  });

  it('imports into a second registry (same digests and tags) and installs kafka --with-deps on amd64 and runs a module on arm64', async () => {
    const second = await startRegistry();
    registries.push(second);
    const repositoryOut = join(work, 'repository-second.yml');
    const imported = await e([
      'import',
      archive,
      '--registry',
      second.host,
      '--repository-out',
      repositoryOut,
      '--out',
      join(work, 'files'),
    ]);
    expect(imported.exitCode, imported.stderr).toBe(0);
    expect(imported.stdout).toMatch(new RegExp(`Pushed \\d+ images to ${second.host}`));
    for (const module of MODULES) expect(await indexDigest(second.host, module)).toBe(indexDigests[module]);
    const text = readFileSync(repositoryOut, 'utf8');
    expect(text).toContain(`image: ${second.host}/modules/kafka:0.1.0`);
    expect(text).not.toContain(first.host);
    expect(text).not.toMatch(/^ {2}- name: hello$/m); // only what is inside

    const shared = installShared();
    const install = await installKafka(repositoryOut, shared, '--platform', 'linux/amd64');
    expect(install.exitCode, install.stderr).toBe(0);
    expect(install.stdout).toContain('Installed: azi 0.1.0, kafka 0.1.0.');
    const installed = (stateData(shared).e as { installed: Record<string, { status: string }> }).installed;
    expect(installed.kafka?.status).toBe('applied');

    const arm = installShared();
    const init = await e([
      '-r',
      repositoryOut,
      '-s',
      arm,
      '--platform',
      'linux/arm64',
      'module',
      'install',
      'azi',
      '-y',
    ]);
    expect(init.exitCode, init.stderr).toBe(0);
    expect(init.stderr + init.stdout).toContain('linux/arm64');
  });

  it('imports into the engine only (no registry reachable) and installs', async () => {
    const repositoryOut = join(work, 'repository-engine.yml');
    const imported = await e([
      '-o',
      'json',
      'import',
      archive,
      '--repository-out',
      repositoryOut,
      '--out',
      join(work, 'files-engine'),
    ]);
    expect(imported.exitCode, imported.stderr).toBe(0);
    const result = JSON.parse(imported.stdout);
    expect(result.loaded.map((l: { tag: string }) => l.tag)).toEqual(
      expect.arrayContaining(MODULES.map((m) => `${first.host}/modules/${m}:0.1.0`)),
    );
    for (const l of result.loaded as { tags: string[] }[]) loadedTags.push(...l.tags);
    // the e package in the archive installs without a registry and runs
    const cli = result.files.find((f: string) => /[\\/]cli[\\/]e-cli-[^/]+\.tgz$/.test(f));
    expect(cli, JSON.stringify(result.files)).toBeDefined();
    const prefix = join(work, 'npm-global');
    execFileSync('npm', ['install', '-g', '--offline', '--no-audit', '--no-fund', '--prefix', prefix, cli as string], {
      stdio: 'pipe',
    });
    const version = execFileSync(join(prefix, 'bin', 'e'), ['--version'], { encoding: 'utf8' }).trim();
    expect(version).toBe(JSON.parse(readFileSync(join(ROOT, 'packages/cli/package.json'), 'utf8')).version);
    const listed = execFileSync(join(prefix, 'bin', 'e'), ['-r', repositoryOut, 'repo', 'list'], { encoding: 'utf8' });
    expect(listed).toMatch(/^kafka\s+0\.1\.0/m);

    const image = await docker.getImage(`${first.host}/modules/kafka:0.1.0`).inspect();
    expect(`${image.Os}/${image.Architecture}`).toBe(result.platform);

    const shared = installShared();
    const install = await installKafka(repositoryOut, shared);
    expect(install.exitCode, install.stderr).toBe(0);
    expect(install.stdout).toContain('Installed: azi 0.1.0, kafka 0.1.0.');

    // a repository that names kafka by digest finds the loaded image too (the classic store keeps no digests)
    const pinned = join(work, 'repository-pinned.yml');
    const kafka = `${first.host}/modules/kafka:0.1.0`;
    writeFileSync(
      pinned,
      readFileSync(repositoryOut, 'utf8').replace(`image: ${kafka}`, `image: ${kafka}@${indexDigests.kafka}`),
    );
    expect(readFileSync(pinned, 'utf8')).toContain(`@${indexDigests.kafka}`);
    const again = await installKafka(pinned, installShared());
    expect(again.exitCode, again.stderr).toBe(0);
  });
});
