import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { BuildSpec, ImageBuilder, LocalImage } from '../runtime/image-builder.js';
import { MEDIA_TYPES, type RawManifest } from '../runtime/registry-client.js';
import { buildModule } from './build-module.js';

const BASE = 'localhost:5000/e/base-node:0.1.0';

/** An engine and registry in memory: builds make images whose architecture is the platform's (or `wrongArch`). */
function fakeBuilder(options: { wrongArch?: string } = {}) {
  const images = new Map<string, LocalImage>();
  const registry = new Map<string, RawManifest>();
  const builds: (BuildSpec & { context: Record<string, string> })[] = [];
  const pushes: string[] = [];
  let n = 0;
  const manifest = (json: object): RawManifest => {
    const bytes = Buffer.from(JSON.stringify(json));
    return {
      bytes,
      json: json as RawManifest['json'],
      mediaType: (json as { mediaType: string }).mediaType,
      digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`,
    };
  };
  for (const arch of ['amd64', 'arm64']) {
    images.set(`localhost:5000/e/base-node@sha256:base-${arch}`, {
      id: `sha256:base-image-${arch}`,
      os: 'linux',
      architecture: arch,
      labels: { 'org.e.content-hash': 'recipe1' },
      repoDigests: [],
    });
  }
  registry.set(
    BASE,
    manifest({
      mediaType: MEDIA_TYPES.dockerList,
      manifests: ['amd64', 'arm64'].map((a) => ({
        digest: `sha256:base-${a}`,
        platform: { os: 'linux', architecture: a },
      })),
    }),
  );
  const builder: ImageBuilder = {
    endpoint: 'fake',
    inspect: async (ref) => images.get(ref),
    build: async (spec) => {
      const context: Record<string, string> = {};
      for (const file of spec.files) context[file] = await readFile(join(spec.contextDir, file), 'utf8');
      builds.push({ ...spec, context });
      images.set(spec.tag, {
        id: `sha256:image-${++n}`,
        os: 'linux',
        architecture: options.wrongArch ?? spec.platform.architecture,
        labels: { ...spec.labels },
        repoDigests: [],
      });
    },
    tag: async () => undefined,
    untag: async (ref) => {
      images.delete(ref);
    },
    push: async (ref) => {
      pushes.push(ref);
      registry.set(ref, manifest({ mediaType: MEDIA_TYPES.dockerManifest, config: { digest: images.get(ref)?.id } }));
    },
    pull: async () => undefined,
    registryManifest: async (ref, accept) => {
      const found = registry.get(ref);
      return found !== undefined && accept.includes(found.mediaType) ? found : undefined;
    },
    putRegistryManifest: async (ref, { mediaType, body }) => {
      const stored = manifest({ ...JSON.parse(body), mediaType });
      registry.set(ref, stored);
      return stored.digest;
    },
  };
  return { builder, builds, pushes, registry, images };
}

async function shellModule(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'e-build-module-'));
  onTestFinished(() => rm(root, { recursive: true, force: true }));
  const dir = join(root, 'greeter-sh');
  await mkdir(join(dir, 'tests'), { recursive: true });
  await writeFile(
    join(dir, 'Dockerfile'),
    `ARG BASE=${BASE}\nFROM \${BASE}\nARG MODULE_VERSION=0.1.0\nCOPY module.sh /module/\n`,
  );
  await writeFile(join(dir, '.dockerignore'), '*\n!module.sh\n');
  await writeFile(join(dir, 'module.sh'), 'echo hi\n');
  await writeFile(join(dir, 'tests/plan.yml'), 'run: {command: plan}\n');
  return dir;
}

describe('buildModule', () => {
  it('builds each platform on its pinned base, with only what .dockerignore keeps, then pushes and writes the index', async () => {
    const dir = await shellModule();
    const fake = fakeBuilder();
    const result = await buildModule(fake.builder, { dir, push: true, registry: 'localhost:5000' });

    expect(fake.builds.map((b) => [b.tag, b.platform.architecture, b.buildArgs])).toEqual([
      [
        'localhost:5000/modules/greeter-sh:0.1.0-amd64',
        'amd64',
        { BASE: 'localhost:5000/e/base-node@sha256:base-amd64', MODULE_VERSION: '0.1.0' },
      ],
      [
        'localhost:5000/modules/greeter-sh:0.1.0-arm64',
        'arm64',
        { BASE: 'localhost:5000/e/base-node@sha256:base-arm64', MODULE_VERSION: '0.1.0' },
      ],
    ]);
    expect(Object.keys(fake.builds[0]?.context ?? {})).toEqual(['Dockerfile', 'module.sh']);
    expect(fake.pushes).toEqual([
      'localhost:5000/modules/greeter-sh:0.1.0-amd64',
      'localhost:5000/modules/greeter-sh:0.1.0-arm64',
    ]);
    const index = fake.registry.get('localhost:5000/modules/greeter-sh:0.1.0');
    expect(index?.json.manifests).toHaveLength(2);
    expect(result.images).toEqual([
      expect.objectContaining({
        version: '0.1.0',
        reference: 'localhost:5000/modules/greeter-sh:0.1.0',
        digest: index?.digest,
        indexWritten: true,
      }),
    ]);
    expect(
      result.images[0]?.platforms.map((p) => [p.platform, p.built, p.pushed, p.digest?.startsWith('sha256:')]),
    ).toEqual([
      ['linux/amd64', true, true, true],
      ['linux/arm64', true, true, true],
    ]);
  });

  it('builds and pushes nothing the second time, and again only what a changed file or base touches', async () => {
    const dir = await shellModule();
    const fake = fakeBuilder();
    await buildModule(fake.builder, { dir, push: true, registry: 'localhost:5000' });
    const again = await buildModule(fake.builder, { dir, push: true, registry: 'localhost:5000' });
    expect(fake.builds).toHaveLength(2);
    expect(fake.pushes).toHaveLength(2);
    expect(again.images[0]?.indexWritten).toBe(false);
    expect(again.images[0]?.platforms.every((p) => !p.built && !p.pushed)).toBe(true);

    await writeFile(join(dir, 'tests/plan.yml'), 'run: {command: apply}\n'); // ignored by .dockerignore
    await buildModule(fake.builder, { dir, push: false, registry: 'localhost:5000' });
    expect(fake.builds).toHaveLength(2);

    await writeFile(join(dir, 'module.sh'), 'echo changed\n');
    await buildModule(fake.builder, {
      dir,
      push: false,
      registry: 'localhost:5000',
      platforms: [{ os: 'linux', architecture: 'arm64' }],
    });
    expect(fake.builds.map((b) => b.platform.architecture)).toEqual(['amd64', 'arm64', 'arm64']);
  });

  it('refuses an image whose config names another architecture than it was built for', async () => {
    const dir = await shellModule();
    const fake = fakeBuilder({ wrongArch: 'amd64' });
    await expect(
      buildModule(fake.builder, {
        dir,
        push: false,
        registry: 'localhost:5000',
        platforms: [{ os: 'linux', architecture: 'arm64' }],
      }),
    ).rejects.toThrow(
      'localhost:5000/modules/greeter-sh:0.1.0-arm64 was meant for linux/arm64, but its config says linux/amd64.',
    );
  });

  it('refuses a base image that has no image for the platform', async () => {
    const dir = await shellModule();
    const fake = fakeBuilder();
    await expect(
      buildModule(fake.builder, {
        dir,
        push: false,
        registry: 'localhost:5000',
        platforms: [{ os: 'linux', architecture: 'riscv64' }],
      }),
    ).rejects.toThrow(`The base image ${BASE} has no linux/riscv64 image (it has linux/amd64, linux/arm64).`);
  });
});
