import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { installShared, requireExampleImages } from './support/install-fixtures.js';
import { e, ROOT } from './support/run-e.js';

const REPOSITORY = join(ROOT, 'repository.yml');
const ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
].join(', ');

/** The index digest and per-platform manifest digests the registry itself reports for `repo:tag`. */
async function registryDigests(
  repo: string,
  tag: string,
): Promise<{ digest: string; platforms: Record<string, string> }> {
  const response = await fetch(`http://127.0.0.1:5000/v2/${repo}/manifests/${tag}`, { headers: { accept: ACCEPT } });
  if (!response.ok) throw new Error(`the registry has no ${repo}:${tag} (HTTP ${response.status}); run make setup`);
  const index = (await response.json()) as {
    manifests: { digest: string; platform: { os: string; architecture: string } }[];
  };
  return {
    digest: response.headers.get('docker-content-digest') ?? '',
    platforms: Object.fromEntries(
      index.manifests.map((m) => [`${m.platform.os}/${m.platform.architecture}`, m.digest]),
    ),
  };
}

interface Bill {
  modules: { name: string; version: string }[];
  platforms: string[];
  images: {
    reference: string;
    kind: string;
    digest: string;
    allPlatforms: boolean;
    platforms: { platform: string; digest: string; size: number }[];
    usedBy: string[];
  }[];
  files: { name: string; url: string; sha256: string; size?: number; usedBy: string[] }[];
  packages: { name: string; os: string }[];
  totals: { images: number; imageBytes: number; files: number; fileBytes: number; packages: number };
}

async function requirements(...args: string[]): Promise<Bill> {
  const result = await e(['-r', REPOSITORY, 'requirements', ...args, '-o', 'json']);
  expect(result.exitCode, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as Bill;
}

describe('e requirements against the registry', () => {
  it('lists kafka and what it needs: images by digest per platform, its tarball, totals', async () => {
    await requireExampleImages(['kafka', 'azi']);
    const bill = await requirements('kafka', '--with-deps', '--prefer', 'azi');
    expect(bill.modules).toEqual([
      { name: 'azi', version: '0.1.0' },
      { name: 'kafka', version: '0.1.0' },
    ]);
    expect(bill.platforms).toEqual(['linux/amd64', 'linux/arm64']);
    expect(bill.images.map((i) => [i.reference, i.kind, i.usedBy.join(',')])).toEqual([
      ['localhost:5000/modules/azi:0.1.0', 'module', 'azi@0.1.0'],
      ['localhost:5000/modules/kafka:0.1.0', 'module', 'kafka@0.1.0'],
      ['localhost:5000/vendor/kafka:2.5.1', 'requirement', 'kafka@0.1.0'],
      ['localhost:5000/vendor/zookeeper:3.5.8', 'requirement', 'kafka@0.1.0'],
    ]);
    for (const image of bill.images) {
      const [repo, tag] = image.reference.replace('localhost:5000/', '').split(':') as [string, string];
      const truth = await registryDigests(repo, tag);
      expect(image.digest).toBe(truth.digest);
      expect(image.allPlatforms).toBe(true);
      expect(Object.fromEntries(image.platforms.map((p) => [p.platform, p.digest]))).toEqual(truth.platforms);
      for (const p of image.platforms) expect(p.size).toBeGreaterThan(1_000_000);
    }
    expect(bill.files).toEqual([
      expect.objectContaining({ name: 'kafka_2.12-2.5.1.tgz', size: 153, usedBy: ['kafka@0.1.0'] }),
    ]);
    // the tarball is where the repository says, with the sha256 it says
    const tarball = Buffer.from(await (await fetch(bill.files[0]!.url)).arrayBuffer());
    const { createHash } = await import('node:crypto');
    expect(createHash('sha256').update(tarball).digest('hex')).toBe(bill.files[0]!.sha256);
    expect(bill.packages).toEqual([]);
    // four images on one base image: the shared layers count once, so far less than four images' worth
    const oneImage = bill.images[0]!.platforms.reduce((n, p) => n + p.size, 0);
    expect(bill.totals).toMatchObject({ images: 4, files: 1, fileBytes: 153, packages: 0 });
    expect(bill.totals.imageBytes).toBeGreaterThanOrEqual(oneImage);
    expect(bill.totals.imageBytes).toBeLessThan(oneImage * 1.1);
  });

  it('takes only the platforms asked for, and per-architecture files only where needed', async () => {
    const arm = await requirements('monitoring', 'kubernetes', '--platform', 'linux/arm64');
    expect(arm.platforms).toEqual(['linux/arm64']);
    for (const image of arm.images) {
      expect(image.platforms.map((p) => p.platform)).toEqual(['linux/arm64']);
      expect(image.allPlatforms).toBe(false);
      expect(image.digest).toBe(image.platforms[0]!.digest);
    }
    expect(arm.files.map((f) => f.name)).toEqual(['node_exporter-1.0.1.linux-arm64.tar.gz']);
    expect(arm.packages.map((p) => `${p.os} ${p.name}`)).toEqual([
      'debian-12 conntrack',
      'debian-12 containerd',
      'debian-12 socat',
    ]);
    const text = await e(['-r', REPOSITORY, 'requirements', 'monitoring', '--platform', 'arm64']);
    expect(text.exitCode, text.stderr).toBe(0);
    expect(text.stdout).toContain('Requirements of monitoring@0.1.0 for linux/arm64:');
    expect(text.stdout).toMatch(/^Total: 2 images, 1 file, 0 packages; [\d.]+ MB known\.$/m);
  });

  it('lists what is installed in the shared directory', async () => {
    const shared = installShared();
    const record = (version: string) =>
      `{version: "${version}", labels: {}, status: applied, installedAt: "2026-01-01T00:00:00.000Z", updatedAt: "2026-01-01T00:00:00.000Z", needsPlan: false}`;
    writeFileSync(
      join(shared, 'state.yml'),
      `e:\n  installed:\n    kafka: ${record('0.2.0')}\n    postgresql: ${record('0.1.0')}\n`,
    );
    const result = await e(['-r', REPOSITORY, '-s', shared, 'requirements', '--installed', '-o', 'json']);
    expect(result.exitCode, result.stderr).toBe(0);
    const bill = JSON.parse(result.stdout) as Bill;
    expect(bill.modules).toEqual([
      { name: 'kafka', version: '0.2.0' },
      { name: 'postgresql', version: '0.1.0' },
    ]);
    expect(bill.images.map((i) => i.reference)).toEqual([
      'localhost:5000/modules/kafka:0.2.0',
      'localhost:5000/modules/postgresql:0.1.0',
      'localhost:5000/vendor/kafka:2.6.0',
      'localhost:5000/vendor/postgres:15.4',
      'localhost:5000/vendor/zookeeper:3.5.8',
    ]);
  });

  it('says in one sentence which image is missing, and which platform an image lacks', async () => {
    const shared = installShared();
    const repository = join(shared, 'repository.yml');
    writeFileSync(
      repository,
      `version: v1
kind: Repository
components:
  - name: ghost
    type: docker
    versions:
      - version: 0.1.0
        image: localhost:5000/modules/hello:0.1.0
        requirements:
          images: [localhost:5000/vendor/no-such-image:1.0]
        commands: [{name: metadata, command: metadata}, {name: init, command: init}, {name: plan, command: plan}, {name: apply, command: apply}, {name: audit, command: audit}]
  - name: wide
    type: docker
    versions:
      - version: 0.1.0
        image: localhost:5000/modules/hello:0.1.0
        architectures: [amd64, s390x]
        commands: [{name: metadata, command: metadata}, {name: init, command: init}, {name: plan, command: plan}, {name: apply, command: apply}, {name: audit, command: audit}]
`,
    );
    const missing = await e(['-r', repository, 'requirements', 'ghost', '-o', 'json']);
    expect(missing.exitCode).toBe(1);
    expect(JSON.parse(missing.stdout).error).toMatchObject({
      code: 'E_IMAGE_NOT_FOUND',
      message:
        'The registry localhost:5000 has no image localhost:5000/vendor/no-such-image:1.0 (needed by ghost@0.1.0).',
    });
    const platform = await e(['-r', REPOSITORY, 'requirements', 'hello', '--platform', 'linux/s390x']);
    expect(platform.exitCode).toBe(1);
    expect(platform.stderr).toContain(
      'e: hello@0.1.0 does not run on linux/s390x; it offers linux/amd64, linux/arm64.',
    );
    const claimed = await e(['-r', repository, 'requirements', 'wide', '--platform', 'linux/s390x']);
    expect(claimed.exitCode).toBe(1);
    expect(claimed.stderr).toContain(
      'e: localhost:5000/modules/hello:0.1.0 (needed by wide@0.1.0) has no image for linux/s390x; it has linux/amd64, linux/arm64.',
    );
    const none = await e(['-r', REPOSITORY, 'requirements']);
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toContain('e requirements needs module names or --installed.');
  });
});
