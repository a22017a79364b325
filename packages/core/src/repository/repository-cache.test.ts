import { isAscii } from 'node:buffer';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveInstall } from '../resolve/resolve-install.js';
import { loadRepository } from './load-repository.js';
import { asciiJson, CACHE_MIN_BYTES, codeStampFile, repositoryCacheDir } from './repository-cache.js';

let dir: string;
let previous: string | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'e-repo-cache-'));
  previous = process.env.XDG_CACHE_HOME;
  process.env.XDG_CACHE_HOME = join(dir, 'cache');
});
afterEach(() => {
  if (previous === undefined) delete process.env.XDG_CACHE_HOME;
  else process.env.XDG_CACHE_HOME = previous;
  rmSync(dir, { recursive: true, force: true });
});

/**
 * A valid repository file of `count` components, each with a label that makes it large; each
 * strongly requires the next, so that c0 pulls in all of them.
 */
function repositoryText(count: number, note = 'x'.repeat(500)): string {
  const lines = ['version: v1', 'kind: Repository', 'components:'];
  for (let i = 0; i < count; i++) {
    lines.push(
      `  - name: c${i}`,
      '    type: docker',
      '    versions:',
      '      - version: "1.0.0"',
      `        image: localhost:5000/c${i}:1.0.0`,
      `        labels: {note: ${note}, kind: k${i}}`,
      ...(i + 1 < count
        ? ['        requires:', `          strong: [[{key: kind, operator: eq, values: [k${i + 1}]}]]`]
        : []),
      '        commands:',
      ...['metadata', 'init', 'plan', 'apply', 'audit'].map((c) => `          - {name: ${c}, command: ${c}}`),
    );
  }
  // one more that no other requires: the tests mark its entry to tell a hit from a read
  lines.push(
    '  - name: lonely',
    '    type: docker',
    '    versions:',
    '      - version: "1.0.0"',
    '        image: localhost:5000/lonely:1.0.0',
    '        labels: {note: lonely}',
    '        commands:',
    ...['metadata', 'init', 'plan', 'apply', 'audit'].map((c) => `          - {name: ${c}, command: ${c}}`),
  );
  return `${lines.join('\n')}\n`;
}

const LARGE = Math.ceil(CACHE_MIN_BYTES / 600) + 10;

/** Writes a repository file last changed a minute ago (a file changed just now is not kept). */
function writeSettled(file: string, text: string): void {
  writeFileSync(file, text);
  const minuteAgo = new Date(Date.now() - 60_000);
  utimesSync(file, minuteAgo, minuteAgo);
}

function entries(): string[] {
  try {
    return readdirSync(repositoryCacheDir());
  } catch {
    return [];
  }
}

/** Changes the label the cache entry keeps for lonely, so that a hit shows; written as ASCII or UTF-8. */
function markEntry({ ascii } = { ascii: true }): void {
  const [name] = entries();
  const path = join(repositoryCacheDir(), name as string);
  const entry = JSON.parse(readFileSync(path, 'utf8'));
  entry.repository.components.at(-1).versions[0].labels.note = 'from the cache';
  const json = JSON.stringify(entry);
  writeFileSync(path, ascii ? asciiJson(json) : json);
}

describe('the repository cache', () => {
  it('keeps a large valid file once read, and answers from it while the file is the same', async () => {
    const file = join(dir, 'repository.yml');
    writeSettled(file, repositoryText(LARGE));
    const first = await loadRepository(file);
    expect(first.components).toHaveLength(LARGE + 1);
    expect(entries()).toHaveLength(1);
    markEntry();
    const second = await loadRepository(file);
    expect(second.components.at(-1)?.versions[0]?.labels.note).toBe('from the cache');
    expect(second.source).toBe(file);
    // what the entry holds is the repository as read: all but the marked label is equal
    expect({ ...second, components: second.components.slice(0, -1) }).toEqual({
      ...first,
      components: first.components.slice(0, -1),
    });
    // and it resolves the same
    const resolve = (repository: typeof first) =>
      resolveInstall({ repository, installed: {}, request: { name: 'c0' }, options: { withDeps: true } });
    const [fresh, cached] = [resolve(first), resolve(second)];
    expect(cached.ok && cached.steps.length).toBe(LARGE);
    expect(JSON.stringify(cached)).toBe(JSON.stringify(fresh));
  });

  it('keeps text outside ASCII as it was, in an entry of ASCII (read without decoding UTF-8)', async () => {
    const file = join(dir, 'repository.yml');
    const note = 'Grüße, 日本, 🚀 '.repeat(40);
    writeSettled(file, repositoryText(LARGE, `"${note}"`));
    const first = await loadRepository(file);
    const [name] = entries();
    const entry = join(repositoryCacheDir(), name as string);
    expect(isAscii(readFileSync(entry))).toBe(true);
    markEntry({ ascii: true });
    const second = await loadRepository(file);
    expect(second.components.at(-1)?.versions[0]?.labels.note).toBe('from the cache');
    expect(second.components[7]?.versions[0]?.labels.note).toBe(note);
    expect(second.components.slice(0, -1)).toEqual(first.components.slice(0, -1));
    // an entry written as UTF-8 (by hand) is read as such
    markEntry({ ascii: false });
    expect(isAscii(readFileSync(entry))).toBe(false);
    expect((await loadRepository(file)).components[7]?.versions[0]?.labels.note).toBe(note);
  });

  it('reads the file again once it changed, even to the same size', async () => {
    const file = join(dir, 'repository.yml');
    writeSettled(file, repositoryText(LARGE));
    await loadRepository(file);
    markEntry();
    writeSettled(file, repositoryText(LARGE, 'y'.repeat(500)));
    const again = await loadRepository(file);
    expect(again.components[0]?.versions[0]?.labels.note).toBe('y'.repeat(500));
    expect(again.components.at(-1)?.versions[0]?.labels.note).toBe('lonely');
  });

  it('never keeps an invalid file: its problems are reported each time', async () => {
    const file = join(dir, 'repository.yml');
    writeSettled(file, repositoryText(LARGE).replace('type: docker', 'type: podman'));
    await expect(loadRepository(file)).rejects.toMatchObject({ code: 'E_REPOSITORY_INVALID' });
    expect(entries()).toEqual([]);
    await expect(loadRepository(file)).rejects.toMatchObject({ code: 'E_REPOSITORY_INVALID' });
  });

  it('does not keep a file changed just now (its next change could keep its stamp)', async () => {
    const file = join(dir, 'repository.yml');
    writeFileSync(file, repositoryText(LARGE));
    await loadRepository(file);
    expect(entries()).toEqual([]);
  });

  it('keeps the 16 most recent entries: making one more removes the oldest', async () => {
    const cache = repositoryCacheDir();
    mkdirSync(cache, { recursive: true });
    const old = Array.from({ length: 16 }, (_, i) => join(cache, `old-${String(i).padStart(2, '0')}.json`));
    old.forEach((path, i) => {
      writeFileSync(path, '{}');
      const at = new Date(Date.now() - (100 - i) * 60_000); // old-00 is the oldest
      utimesSync(path, at, at);
    });
    const file = join(dir, 'repository.yml');
    writeSettled(file, repositoryText(LARGE));
    await loadRepository(file);
    const left = entries();
    expect(left).toHaveLength(16);
    expect(left).not.toContain('old-00.json');
    expect(left).toContain('old-01.json');
  });

  it('does not keep a small file', async () => {
    const file = join(dir, 'repository.yml');
    writeSettled(file, repositoryText(3));
    expect(statSync(file).size).toBeLessThan(CACHE_MIN_BYTES);
    await loadRepository(file);
    expect(entries()).toEqual([]);
  });

  it('reads the file when the entry is damaged, and mends the entry', async () => {
    const file = join(dir, 'repository.yml');
    writeSettled(file, repositoryText(LARGE));
    await loadRepository(file);
    const [name] = entries();
    writeFileSync(join(repositoryCacheDir(), name as string), '{"format": 1, "repos');
    expect((await loadRepository(file)).components).toHaveLength(LARGE + 1);
    expect(
      JSON.parse(readFileSync(join(repositoryCacheDir(), name as string), 'utf8')).repository.components,
    ).toHaveLength(LARGE + 1);
  });
});

describe('codeStampFile: which build of e an entry belongs to', () => {
  it("is core's build record for tsc's output and for each of e's bundles, and the file itself otherwise", () => {
    const core = '/e/packages/core/dist/.tsbuildinfo';
    expect(codeStampFile('/e/packages/core/dist/repository/repository-cache.js')).toBe(core);
    for (const bundle of ['e.cjs', 'e-read.cjs', 'e-run.cjs']) {
      expect(codeStampFile(`/e/packages/cli/dist/bundle/${bundle}`)).toBe(core);
    }
    expect(codeStampFile('/opt/e-cli/e.mjs')).toBe('/opt/e-cli/e.mjs');
    expect(codeStampFile('/opt/e-cli/e.cjs')).toBe('/opt/e-cli/e.cjs');
  });
});
