import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { type BomPackage, collectNeeds, downloadPackages, isEError, selectModules } from '@e/core/offline';
import { loadRepository, type Repository } from '@e/core/repository';
import { createDockerRuntime } from '@e/core/runtime';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { docker } from './support/docker.js';
import { requireExampleImages } from './support/install-fixtures.js';
import { ROOT } from './support/run-e.js';
import { requireTestImages } from './support/runtime-fixtures.js';

/*
 * The example downloader (modules/downloader) on the real engine, against an apt-style mirror this
 * test serves. Containers on the engine's default bridge reach the host at the bridge's gateway
 * address, so the mirror listens there (not on 127.0.0.1, which is the container itself).
 */

const ARCHES = ['amd64', 'arm64'];
/** name → version, as kubernetes 0.1.0 lists them in repository.yml. */
const KUBERNETES_PACKAGES: Record<string, string> = {
  containerd: '1.6.20~ds1-1+b1',
  conntrack: '1:1.4.7-1+b2',
  socat: '1.7.4.4-2',
};

const debOf = (name: string, arch: string) => Buffer.from(`!<arch>\nfake ${name} for ${arch}\n`.repeat(200));
const fileOf = (name: string, version: string, arch: string) => `${name}_${version.replace(/^\d+:/, '')}_${arch}.deb`;
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/**
 * Where containers on the default bridge reach this host: the gateway the engine lists for the
 * bridge, else the first address of its subnet, which the engine gives the bridge unless told
 * otherwise (Debian's docker.io 20.10 lists only the subnet of its default bridge).
 */
function bridgeGateway(bridge: { IPAM?: { Config?: { Gateway?: string; Subnet?: string }[] } }): string | undefined {
  const config = bridge.IPAM?.Config?.[0];
  if (config?.Gateway) return config.Gateway;
  const subnet = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/\d+$/.exec(config?.Subnet ?? '');
  if (subnet === null) return undefined;
  const network = subnet.slice(1, 5).reduce((n, part) => n * 256 + Number(part), 0);
  const first = network + 1;
  return [24, 16, 8, 0].map((shift) => Math.floor(first / 2 ** shift) % 256).join('.');
}

let server: Server | undefined;
let mirror: string;
/** Paths the mirror served, and whether to lie about one package's SHA256. */
const served: string[] = [];
let lieAbout: string | undefined;

function packagesIndex(arch: string): Buffer {
  const stanzas = Object.entries(KUBERNETES_PACKAGES).map(([name, version]) => {
    const deb = debOf(name, arch);
    return [
      `Package: ${name}`,
      `Version: ${version}`,
      `Architecture: ${arch}`,
      `Description: ${name} (test mirror)`,
      ` a continuation line`,
      `Filename: pool/main/${name[0]}/${name}/${fileOf(name, version, arch)}`,
      `Size: ${deb.length}`,
      `SHA256: ${name === lieAbout ? 'f'.repeat(64) : sha256(deb)}`,
    ].join('\n');
  });
  return gzipSync(`${stanzas.join('\n\n')}\n`);
}

beforeAll(async () => {
  await requireExampleImages(['downloader']);
  const gateway = bridgeGateway(await docker.getNetwork('bridge').inspect());
  if (!gateway)
    throw new Error("the engine's bridge network has no gateway address; containers cannot reach this test's mirror");
  const mirrorServer = createServer((req, res) => {
    const url = req.url ?? '';
    served.push(url);
    const index = /^\/debian\/dists\/bookworm\/main\/binary-(\w+)\/Packages\.gz$/.exec(url);
    if (index && ARCHES.includes(index[1]!)) {
      res.end(packagesIndex(index[1]!));
      return;
    }
    const pool = /^\/debian\/pool\/main\/\w\/([a-z]+)\/[^/]+_(\w+)\.deb$/.exec(url);
    if (pool && KUBERNETES_PACKAGES[pool[1]!] !== undefined) {
      res.end(debOf(pool[1]!, pool[2]!));
      return;
    }
    res.writeHead(404);
    res.end();
  });
  server = mirrorServer;
  await new Promise<void>((resolve, reject) => {
    mirrorServer.once('error', reject);
    mirrorServer.listen(0, gateway, resolve);
  });
  mirror = `http://${gateway}:${(mirrorServer.address() as AddressInfo).port}/debian`;
});
afterAll(async () => {
  // (none when beforeAll failed before making it: then only the check below)
  const open = server;
  if (open !== undefined) await new Promise((resolve) => open.close(resolve));
  // the downloads ran in this process: none of their containers may remain (labelled with its pid)
  const left = await docker.listContainers({ all: true, filters: { label: [`org.e.run.pid=${process.pid}`] } });
  expect(left.map((c) => c.Labels['org.e.run.module'])).toEqual([]);
});

async function kubernetesPackages(): Promise<BomPackage[]> {
  const repository = await loadRepository(join(ROOT, 'repository.yml'));
  const packages = collectNeeds(selectModules({ repository, modules: ['kubernetes'] }), undefined).packages;
  expect(packages.map((p) => p.name)).toEqual(['conntrack', 'containerd', 'socat']);
  return packages;
}

async function download(packages: BomPackage[], outDir: string, output: string[], repository?: Repository) {
  return downloadPackages({
    runtime: await createDockerRuntime(),
    repository: repository ?? (await loadRepository(join(ROOT, 'repository.yml'))),
    packages,
    platforms: ['linux/amd64', 'linux/arm64'],
    outDir,
    mirror,
    events: { output: (_stream, chunk) => void output.push(chunk.toString('utf8')) },
    by: 'downloader.test.ts',
    timeoutMs: 120_000,
  });
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'e-runtime-download-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('the example downloader module', () => {
  it("fetches kubernetes' debian-12 packages for both architectures from the mirror, and e checks them", async () => {
    const outDir = tempDir();
    const output: string[] = [];
    lieAbout = undefined;
    served.length = 0;
    const files = await download(await kubernetesPackages(), outDir, output);
    expect(files.map((f) => `${f.package.name} ${f.architecture} ${f.name}`)).toEqual([
      'conntrack amd64 conntrack_1.4.7-1+b2_amd64.deb',
      'conntrack arm64 conntrack_1.4.7-1+b2_arm64.deb',
      'containerd amd64 containerd_1.6.20~ds1-1+b1_amd64.deb',
      'containerd arm64 containerd_1.6.20~ds1-1+b1_arm64.deb',
      'socat amd64 socat_1.7.4.4-2_amd64.deb',
      'socat arm64 socat_1.7.4.4-2_arm64.deb',
    ]);
    for (const file of files) {
      expect(file.path).toBe(join(outDir, 'debian-12', file.name));
      const bytes = readFileSync(file.path);
      expect(bytes).toEqual(debOf(file.package.name, file.architecture));
      expect(file.sha256).toBe(sha256(bytes));
      expect(file.size).toBe(bytes.length);
    }
    // one index per architecture, then each .deb once
    expect(served.filter((u) => u.endsWith('Packages.gz'))).toHaveLength(2);
    expect(served.filter((u) => u.endsWith('.deb'))).toHaveLength(6);
    expect(output.join('')).toContain(`6 package file(s) from ${mirror}`);
  });

  it('fails in one sentence when the mirror lacks a package or its file does not match the index', async () => {
    const [conntrack] = await kubernetesPackages();
    const failure = async (packages: BomPackage[]) => {
      try {
        await download(packages, tempDir(), []);
      } catch (error) {
        return isEError(error) ? `${error.code}: ${error.message}` : String(error);
      }
      return 'no error';
    };
    lieAbout = undefined;
    expect(await failure([{ ...conntrack!, version: '9.9.9' }])).toBe(
      `E_DOWNLOADER_FAILED: The downloader downloader 0.1.0 failed with exit code 1: downloader download: conntrack 9.9.9 is not in ${mirror} bookworm main binary-amd64.`,
    );
    lieAbout = 'conntrack';
    expect(await failure([conntrack!])).toMatch(
      /^E_DOWNLOADER_FAILED: The downloader downloader 0\.1\.0 failed with exit code 1: downloader download: conntrack_1\.4\.7-1\+b2_amd64\.deb has sha256 [0-9a-f]{64}, not the f{64} the index of http:\/\/.+ states\.$/,
    );
  });
});

/** A repository whose downloader is the test module misbehave, its `download` command one of its modes. */
async function misbehavingDownloader(mode: string): Promise<Repository> {
  const dir = tempDir();
  const file = join(dir, 'repository.yml');
  writeFileSync(
    file,
    `version: v1
kind: Repository
components:
  - name: fetcher
    type: docker
    versions:
      - version: "0.1.0"
        image: localhost:5000/test-modules/misbehave:0.1.0
        workdir: /shared
        mounts: [/shared]
        labels: {kind: downloader}
        commands:
          - {name: metadata, command: metadata}
          - {name: init, command: init}
          - {name: plan, command: plan}
          - {name: apply, command: apply}
          - {name: audit, command: audit}
          - {name: download, command: apply, args: [${mode}]}
`,
  );
  return loadRepository(file);
}

describe('a downloader that breaks the rules', () => {
  it('is refused when it writes outside its own folder, and when it lists no packages', async () => {
    await requireTestImages();
    const [conntrack] = await kubernetesPackages();
    const failure = async (mode: string) => {
      const outDir = tempDir();
      try {
        await download([conntrack!], outDir, [], await misbehavingDownloader(mode));
      } catch (error) {
        return isEError(error) ? `${error.code}: ${error.message}` : String(error);
      }
      return 'no error';
    };
    // the run's isolation holds: nothing it wrote outside fetcher/ is merged, and the download fails
    expect(await failure('write-outside')).toMatch(/^E_STATE_RULES: .*notes\.txt/);
    // its own files are merged into its private shared directory, but it wrote no packages/index.json
    expect(await failure('own-files')).toBe(
      'E_DOWNLOADER_FAILED: The downloader fetcher 0.1.0 wrote no packages/index.json in its folder.',
    );
  });
});
