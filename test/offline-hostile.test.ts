import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HostileArchive, TINY_REFERENCE, writeHostileArchives } from './fixtures/hostile-archives/generate.js';
import { docker } from './support/docker.js';
import { startRegistry, type TestRegistry } from './support/registry.js';
import { e } from './support/run-e.js';

let dir: string;
let registry: TestRegistry;
let valid: string;
let hostile: HostileArchive[];

async function catalog(): Promise<string[]> {
  const res = await fetch(`http://${registry.host}/v2/_catalog`);
  return ((await res.json()) as { repositories: string[] }).repositories;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'e-hostile-'));
  // any image the engine has: the hint of one archive claims it
  const [some] = await docker.listImages();
  if (some === undefined) throw new Error('the engine has no image at all (make setup builds the example modules)');
  ({ valid, hostile } = writeHostileArchives(dir, some.Id));
  registry = await startRegistry();
});

afterAll(async () => {
  await registry?.stop();
  // only if a refusal failed: what a wrong load left behind
  for (const image of await docker.listImages({ filters: { reference: ['e-hostile.invalid/modules/tiny'] } })) {
    for (const tag of image.RepoTags ?? []) await docker.getImage(tag).remove({ noprune: true });
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('e import refuses hostile and broken archives before it loads or pushes anything', () => {
  it('has at least 15 of them, each refused with its own message', async () => {
    expect(hostile.length).toBeGreaterThanOrEqual(15);
    const messages = new Set<string>();
    for (const archive of hostile) {
      const out = join(dir, `${archive.name}.yml`);
      const result = await e([
        '-o',
        'json',
        'import',
        archive.file,
        '--registry',
        registry.host,
        '--repository-out',
        out,
        '--out',
        join(dir, 'out'),
      ]);
      const doc = JSON.parse(result.stdout);
      expect(result.exitCode, `${archive.name}: ${result.stdout}`).toBe(1);
      expect(doc.error.code, `${archive.name}: ${doc.error.message}`).toBe(archive.code);
      expect(doc.error.message, archive.name).toMatch(archive.message);
      expect(doc.error.message, archive.name).toContain('nothing was imported');
      expect(result.stderr, archive.name).not.toMatch(/\n\s+at /); // no stack trace
      messages.add(doc.error.message.replace(archive.file, 'FILE'));
      expect(existsSync(out), `${archive.name} wrote the repository file`).toBe(false);
    }
    expect(messages.size).toBe(hostile.length);
    expect(await catalog()).toEqual([]);
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it('loads nothing into the engine either (a gzip bomb, a lying digest, a cut archive)', async () => {
    const engine: Record<string, RegExp> = {
      'lying-platform-hint': /in e\/manifest.json for another platform, but/,
      'lying-present-hint':
        /in e\/manifest.json only for images the engine has, but .* which the engine lacks\) loads it/,
    };
    for (const name of ['gzip-bomb', 'digest-mismatch', 'truncated', 'lying-platform-hint', 'lying-present-hint']) {
      const archive = hostile.find((h) => h.name === name) as HostileArchive;
      const result = await e([
        'import',
        archive.file,
        '--repository-out',
        join(dir, `${name}-engine.yml`),
        '--out',
        join(dir, 'out'),
      ]);
      expect(result.exitCode, result.stderr).toBe(1);
      expect(result.stderr).toMatch(engine[name] ?? archive.message);
      await expect(docker.getImage(TINY_REFERENCE).inspect()).rejects.toThrow(/no such image/i);
    }
  });

  it('imports the valid archive they were all made from (so each refusal is about its one defect)', async () => {
    const result = await e([
      'import',
      valid,
      '--registry',
      registry.host,
      '--repository-out',
      join(dir, 'valid.yml'),
      '--out',
      join(dir, 'out'),
    ]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(await catalog()).toEqual(['modules/tiny']);
  });
  it('loads what the engine lacks and only tags an image it already has (the same tags, nothing sent twice)', async () => {
    const importInto = (name: string) =>
      e(['-o', 'json', 'import', valid, '--repository-out', join(dir, `${name}.yml`), '--out', join(dir, 'out')]);
    try {
      const first = await importInto('engine-first');
      expect(first.exitCode, first.stderr).toBe(0);
      const [loaded] = JSON.parse(first.stdout).loaded;
      expect(loaded).toMatchObject({ tag: TINY_REFERENCE, action: 'loaded' });
      const id = (await docker.getImage(TINY_REFERENCE).inspect()).Id;
      // the tags go; the image stays under its ID: the next import finds it and only tags it again
      await docker.getImage(id).tag({ repo: 'e-hostile.invalid/modules/tiny', tag: 'kept' });
      for (const tag of loaded.tags as string[]) await docker.getImage(tag).remove({ noprune: true });
      await expect(docker.getImage(TINY_REFERENCE).inspect()).rejects.toThrow(/no such image/i);
      const again = await e([
        'import',
        valid,
        '--repository-out',
        join(dir, 'engine-again.yml'),
        '--out',
        join(dir, 'out'),
      ]);
      expect(again.exitCode, again.stderr).toBe(0);
      expect(again.stdout).toContain('The engine already had the image for linux/amd64: tagged, loaded nothing.');
      for (const tag of loaded.tags as string[]) expect((await docker.getImage(tag).inspect()).Id).toBe(id);
    } finally {
      for (const image of await docker.listImages({ filters: { reference: ['e-hostile.invalid/modules/tiny'] } })) {
        for (const tag of image.RepoTags ?? []) await docker.getImage(tag).remove({ noprune: true });
      }
    }
  });
});
