import { describe, expect, it } from 'vitest';
import { docker, pull, run } from './support/docker.js';

const REF = 'localhost:5000/modules/hello:0.1.0';

// process.arch names inside the module, by Docker platform
const NODE_ARCH = { 'linux/amd64': 'x64', 'linux/arm64': 'arm64' } as const;

describe('hello from the registry, per platform', () => {
  it('the registry holds a multi-arch index with amd64 and arm64', async () => {
    const res = await fetch('http://127.0.0.1:5000/v2/modules/hello/manifests/0.1.0', {
      headers: {
        accept: 'application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.index.v1+json',
      },
    });
    expect(res.ok).toBe(true);
    const index = (await res.json()) as { manifests: { platform: { os: string; architecture: string } }[] };
    expect(index.manifests.map((m) => `${m.platform.os}/${m.platform.architecture}`).sort()).toEqual([
      'linux/amd64',
      'linux/arm64',
    ]);
  });

  for (const platform of ['linux/amd64', 'linux/arm64'] as const) {
    it(`pulls ${platform} and the module really runs on ${platform}`, async () => {
      // drop the tag so the pull has to fetch and re-point it (one tag holds one platform)
      await docker
        .getImage(REF)
        .remove({ noprune: true })
        .catch(() => undefined);
      await pull(REF, platform);

      const image = await docker.getImage(REF).inspect();
      expect(`${image.Os}/${image.Architecture}`).toBe(platform);

      for (const command of ['metadata', 'init', 'plan', 'apply', 'audit']) {
        const result = await run(REF, [command], [`E_PLATFORM=${platform}`]);
        expect(result.exitCode, result.stderr).toBe(0);
        expect(result.stderr).toContain(`hello ${command}: arch=${NODE_ARCH[platform]}`);
      }
    });
  }
});
