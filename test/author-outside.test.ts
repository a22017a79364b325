import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it, onTestFinished } from 'vitest';
import { parse } from 'yaml';
import { docker } from './support/docker.js';
import { e, eContainers, ROOT } from './support/run-e.js';

/**
 * The author guide's story (docs/module-authors.md, "Outside this repository"), in a directory
 * outside e's repository: test/fixtures/author-outside is what the guide's `e module new` commands
 * write there (packages/core/src/author/scaffold-fixtures.test.ts keeps it so) — an SDK module that
 * depends on the SDK's tarball and a POSIX sh module on e's Debian base image, and the repository
 * file listing both.
 */
const exec = promisify(execFile);
const FIXTURES = join(ROOT, 'test/fixtures/author-outside');
const MODULES = ['greeter', 'greeter-sh'] as const;
const image = (name: string) => `localhost:5000/modules/${name}:0.1.0`;

interface BuildJson {
  module: string;
  pushed: boolean;
  images: {
    version: string;
    reference: string;
    digest: string;
    indexWritten: boolean;
    platforms: { platform: string; tag: string; digest: string; built: boolean; pushed: boolean }[];
  }[];
}

describe('a module author outside this repository', () => {
  it('packs the SDK, builds an SDK module and a shell module for amd64 and arm64, tests, validates and installs them', {
    timeout: 900_000,
  }, async () => {
    const outside = await realpath(await mkdtemp(join(tmpdir(), 'e-author-outside-')));
    onTestFinished(() => rm(outside, { recursive: true, force: true }));
    expect(outside.startsWith(ROOT)).toBe(false);
    await cp(FIXTURES, outside, { recursive: true });
    const run = (args: string[]) => e(args, { cwd: outside });

    // the SDK as its tarball, installed like any npm package
    await exec('npm', ['pack', '-w', '@e/module-sdk', '--pack-destination', outside, '--silent'], { cwd: ROOT });
    await exec('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '../e-module-sdk-0.1.0.tgz'], {
      cwd: join(outside, 'greeter'),
    });
    const pkg = JSON.parse(await readFile(join(outside, 'greeter/package.json'), 'utf8'));
    expect(pkg.dependencies['@e/module-sdk']).toBe('file:../e-module-sdk-0.1.0.tgz');
    const sdk = await realpath(join(outside, 'greeter/node_modules/@e/module-sdk'));
    expect(sdk.startsWith(outside)).toBe(true);
    const sdkPkg = JSON.parse(await readFile(join(sdk, 'package.json'), 'utf8'));
    expect(sdkPkg).toMatchObject({ name: '@e/module-sdk', version: '0.1.0', types: './dist/index.d.ts' });

    // build and push both platforms (what an earlier run left in the engine is untagged, so this
    // builds), then again: nothing to build or push
    const builds: Record<string, BuildJson> = {};
    for (const name of MODULES) {
      for (const arch of ['amd64', 'arm64']) {
        await docker
          .getImage(`${image(name)}-${arch}`)
          .remove({ noprune: true })
          .catch(() => undefined);
      }
      const built = await run(['module', 'build', name, '--push', '-o', 'json']);
      expect(built.exitCode, built.stderr).toBe(0);
      const result = JSON.parse(built.stdout) as BuildJson;
      builds[name] = result;
      expect(result.images[0]?.platforms.every((p) => p.built)).toBe(true);
      expect(result.images.map((i) => i.reference)).toEqual([image(name)]);
      expect(result.images[0]?.platforms.map((p) => p.platform)).toEqual(['linux/amd64', 'linux/arm64']);
      for (const p of result.images[0]?.platforms ?? []) {
        const inspected = await docker.getImage(p.tag).inspect();
        expect(`${inspected.Os}/${inspected.Architecture}`).toBe(p.platform);
      }
      const index = await fetch(`http://127.0.0.1:5000/v2/modules/${name}/manifests/0.1.0`, {
        headers: { accept: 'application/vnd.docker.distribution.manifest.list.v2+json' },
      });
      const manifests = (
        (await index.json()) as { manifests: { digest: string; platform: { architecture: string } }[] }
      ).manifests;
      expect(manifests.map((m) => [m.platform.architecture, m.digest])).toEqual(
        result.images[0]?.platforms.map((p) => [p.platform.split('/')[1], p.digest]),
      );

      const again = await run(['module', 'build', name, '--push', '-o', 'json']);
      const cached = JSON.parse(again.stdout) as BuildJson;
      expect(cached.images[0]?.digest).toBe(result.images[0]?.digest);
      expect(cached.images[0]?.indexWritten).toBe(false);
      expect(cached.images[0]?.platforms.every((p) => !p.built && !p.pushed)).toBe(true);
    }

    // the cases and the conformance suite against the pushed images, on both platforms
    for (const name of MODULES) {
      for (const platform of ['linux/amd64', 'linux/arm64']) {
        const tested = await run(['module', 'test', name, '--platform', platform]);
        expect(tested.exitCode, tested.stdout + tested.stderr).toBe(0);
        expect(tested.stdout).toContain(`${name}: 3 passed, 0 failed on ${platform}`);
        const validated = await run(['module', 'validate', name, '--platform', platform]);
        expect(validated.exitCode, validated.stdout + validated.stderr).toBe(0);
        expect(validated.stdout).toContain(`mocked state: ${name}/tests/init-writes-config.yml (conformance case)`);
        expect(validated.stdout).toContain(`${name} 0.1.0 conforms: 11 checks passed.`);
      }
    }

    // both take the reference e module build printed, also by digest
    const digest = builds.greeter?.images[0]?.digest;
    const byDigest = await run(['module', 'test', 'greeter', '--image', `localhost:5000/modules/greeter@${digest}`]);
    expect(byDigest.exitCode, byDigest.stdout + byDigest.stderr).toBe(0);
    const byImage = await run(['module', 'validate', image('greeter-sh')]);
    expect(byImage.exitCode, byImage.stdout + byImage.stderr).toBe(0);

    // installed through the repository file of that directory
    for (const name of MODULES) {
      const installed = await run(['module', 'install', name, '-y']);
      expect(installed.exitCode, installed.stdout + installed.stderr).toBe(0);
    }
    const status = await run(['status']);
    expect(status.exitCode, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/greeter-sh\s+0\.1\.0\s+applied/);
    const state = parse(await readFile(join(outside, 'shared/state.yml'), 'utf8'));
    expect(state.greeter).toMatchObject({ status: 'applied', replicas: 1, message: 'hello from greeter' });
    expect(state['greeter-sh']).toMatchObject({ status: 'applied', replicas: 1, message: 'hello from greeter-sh' });
    expect(Object.keys(state.e.installed).sort()).toEqual(['greeter', 'greeter-sh']);
    expect(await readFile(join(outside, 'shared/greeter-sh/remote/settings.conf'), 'utf8')).toBe(
      'replicas=1\nmessage=hello from greeter-sh\n',
    );
    const audit = await run(['audit', 'greeter-sh']);
    expect(audit.exitCode, audit.stdout + audit.stderr).toBe(0);
    expect(await eContainers()).toEqual([]);
  });
});
