/*
 * setup runs `npm ci`, which installs exactly package-lock.json and refuses a lock that lacks a
 * package the machine needs. npm leaves other platforms' optional packages (biome's, esbuild's,
 * rolldown's binaries) out of a lock it rewrites while node_modules is present (npm/cli#4828),
 * and a registry mirror may lack some: these tests keep the lock complete for every platform.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const readJson = (path: string) => JSON.parse(readFileSync(join(ROOT, path), 'utf8'));

interface LockPackage {
  version?: string;
  resolved?: string;
  link?: boolean;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  workspaces?: string[];
}
interface Lock {
  lockfileVersion: number;
  packages: Record<string, LockPackage>;
}

/**
 * Each dependency (optional ones for every platform, and peers that are not optional) that has no
 * entry where node would find it: `node_modules/<name>` in the depending folder or one above it.
 */
function missingFromLock(lock: Lock): string[] {
  const find = (from: string, name: string): string | undefined => {
    for (let base = from; ; ) {
      const candidate = `${base ? `${base}/` : ''}node_modules/${name}`;
      if (lock.packages[candidate] !== undefined) return candidate;
      if (base === '') return undefined;
      const up = base.lastIndexOf('/node_modules/');
      base = up < 0 ? '' : base.slice(0, up);
    }
  };
  const missing: string[] = [];
  for (const [path, meta] of Object.entries(lock.packages)) {
    if (meta.link) continue; // its target's entry lists the dependencies
    const requiredPeers = Object.keys(meta.peerDependencies ?? {}).filter(
      (name) => !meta.peerDependenciesMeta?.[name]?.optional,
    );
    const names = new Set([
      ...Object.keys(meta.dependencies ?? {}),
      ...Object.keys(meta.optionalDependencies ?? {}),
      ...requiredPeers,
      ...(path === '' || !path.includes('node_modules/') ? Object.keys(meta.devDependencies ?? {}) : []),
    ]);
    for (const name of names) if (find(path, name) === undefined) missing.push(`${path || '(root)'} needs ${name}`);
  }
  return missing;
}

describe('package-lock.json', () => {
  const lock = readJson('package-lock.json') as Lock;

  it('holds every package any platform needs, so npm ci works on every machine', () => {
    expect(missingFromLock(lock)).toEqual([]);
  });

  it('records what package.json and each workspace ask for (npm ci refuses a lock out of sync)', () => {
    const fields = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'] as const;
    const folders = Object.keys(lock.packages).filter((path) => !path.includes('node_modules/'));
    expect(folders).toContain('packages/core');
    for (const folder of folders) {
      const manifest = readJson(join(folder, 'package.json'));
      const entry = lock.packages[folder] ?? {};
      for (const field of fields)
        expect(entry[field] ?? {}, `${folder || '.'} ${field}`).toEqual(manifest[field] ?? {});
    }
  });

  it('has an entry for every workspace folder (a new module missing from the lock makes npm ci fail)', () => {
    const globs = (readJson('package.json') as { workspaces: string[] }).workspaces;
    const folders = globs.flatMap((glob) =>
      glob.endsWith('/*')
        ? readdirSync(join(ROOT, glob.slice(0, -2)))
            .map((name) => `${glob.slice(0, -2)}/${name}`)
            .filter((folder) => existsSync(join(ROOT, folder, 'package.json')))
        : [glob],
    );
    expect(folders.filter((folder) => lock.packages[folder] === undefined)).toEqual([]);
  });

  it('names no registry or folder of one machine', () => {
    const resolved = Object.entries(lock.packages).flatMap(([path, meta]) =>
      meta.resolved === undefined ||
      (meta.link && !/^(\.\.|\/)/.test(meta.resolved)) ||
      meta.resolved.startsWith('https://registry.npmjs.org/')
        ? []
        : [`${path}: ${meta.resolved}`],
    );
    expect(resolved).toEqual([]);
  });

  it.each<[string, Lock, string[]]>([
    [
      'a platform binary of another machine is missing',
      {
        lockfileVersion: 3,
        packages: {
          '': { devDependencies: { esbuild: '^0.28.0' } },
          'node_modules/esbuild': {
            optionalDependencies: { '@esbuild/linux-x64': '0.28.2', '@esbuild/darwin-arm64': '0.28.2' },
          },
          'node_modules/@esbuild/linux-x64': { version: '0.28.2' },
        },
      },
      ['node_modules/esbuild needs @esbuild/darwin-arm64'],
    ],
    [
      'nested copies resolve from their folder up; optional peers may be absent',
      {
        lockfileVersion: 3,
        packages: {
          '': { dependencies: { a: '1' } },
          'node_modules/a': {
            dependencies: { b: '2', c: '1' },
            peerDependencies: { d: '1', e: '1' },
            peerDependenciesMeta: { d: { optional: true } },
          },
          'node_modules/a/node_modules/b': { dependencies: { c: '1' } },
          'node_modules/c': {},
        },
      },
      ['node_modules/a needs e'],
    ],
    [
      'a workspace finds what is hoisted to the root, but not what it lacks',
      {
        lockfileVersion: 3,
        packages: {
          '': { workspaces: ['packages/core'] },
          'node_modules/@e/core': { resolved: 'packages/core', link: true },
          'packages/core': { dependencies: { yaml: '^2', zod: '^4' } },
          'node_modules/yaml': {},
        },
      },
      ['packages/core needs zod'],
    ],
  ])('finds what is missing when %s', (_, fixture, expected) => {
    expect(missingFromLock(fixture)).toEqual(expected);
  });
});
