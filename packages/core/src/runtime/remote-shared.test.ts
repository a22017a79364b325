import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { extract, type Headers, pack } from 'tar-stream';
import { afterEach, describe, expect, it } from 'vitest';
import { isEError } from '../errors.js';
import { packDirectory, syncFromTar } from './remote-shared.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'e-remote-shared-'));
  dirs.push(dir);
  return dir;
}

/** A tar as the engine's archive API gives it for /shared: every name starts with `shared`. */
function engineTar(entries: (Headers & { content?: string })[]): Readable {
  const tar = pack();
  tar.entry({ name: 'shared', type: 'directory', mode: 0o755 });
  for (const { content, ...header } of entries)
    tar.entry({ mode: 0o644, ...header, name: `shared/${header.name}` }, content ?? '');
  tar.finalize();
  return tar as unknown as Readable;
}

async function refusal(dir: string, entries: (Headers & { content?: string })[]): Promise<string> {
  try {
    await syncFromTar(engineTar(entries), dir);
  } catch (error) {
    if (!isEError(error)) throw error;
    expect(error.code).toBe('E_REMOTE_SHARED');
    return error.message;
  }
  throw new Error('the tar was accepted');
}

describe('copying a staged shared directory to a remote engine and back', () => {
  it('packs regular files and directories with their modes, leaving out excluded names and links', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'state.yml'), 'a: 1\n');
    writeFileSync(join(dir, 'sub/run.sh'), '#!/bin/sh\n', { mode: 0o755 });
    mkdirSync(join(dir, '.inputs'));
    writeFileSync(join(dir, '.inputs/big'), 'x');
    symlinkSync('/etc/passwd', join(dir, 'link'));
    const seen: Record<string, string> = {};
    const untar = extract();
    packDirectory(dir, new Set(['.inputs'])).pipe(untar as unknown as NodeJS.WritableStream);
    for await (const entry of untar) {
      let content = '';
      for await (const chunk of entry) content += chunk.toString();
      seen[entry.header.name] = `${entry.header.type} ${(entry.header.mode ?? 0).toString(8)} ${content}`;
    }
    expect(seen).toEqual({
      'state.yml': 'file 644 a: 1\n',
      sub: 'directory 755 ',
      'sub/run.sh': 'file 755 #!/bin/sh\n',
    });
  });

  it('rewrites only what changed, adds and removes, and leaves excluded names alone', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'same.yml'), 'same\n');
    writeFileSync(join(dir, 'changed.yml'), 'before\n');
    writeFileSync(join(dir, 'gone.yml'), 'gone\n');
    mkdirSync(join(dir, 'old'));
    writeFileSync(join(dir, 'old/f'), 'f');
    mkdirSync(join(dir, '.inputs'));
    writeFileSync(join(dir, '.inputs/keep'), 'k');
    const before = lstatSync(join(dir, 'same.yml'), { bigint: true });
    await syncFromTar(
      engineTar([
        { name: 'same.yml', content: 'same\n' },
        { name: 'changed.yml', content: 'after\n' },
        { name: 'new', type: 'directory', mode: 0o755 },
        { name: 'new/file', content: 'n', mode: 0o600 },
        { name: '.inputs/ignored', content: 'i' },
      ]),
      dir,
      new Set(['.inputs']),
    );
    const after = lstatSync(join(dir, 'same.yml'), { bigint: true });
    expect([after.ino, after.ctimeNs]).toEqual([before.ino, before.ctimeNs]);
    expect(readFileSync(join(dir, 'changed.yml'), 'utf8')).toBe('after\n');
    expect(readFileSync(join(dir, 'new/file'), 'utf8')).toBe('n');
    expect(lstatSync(join(dir, 'new/file')).mode & 0o777).toBe(0o600);
    expect(existsSync(join(dir, 'gone.yml'))).toBe(false);
    expect(existsSync(join(dir, 'old'))).toBe(false);
    expect(readFileSync(join(dir, '.inputs/keep'), 'utf8')).toBe('k');
    expect(existsSync(join(dir, '.inputs/ignored'))).toBe(false);
  });

  it('keeps a symbolic link a link (the merge refuses it) and makes a hard link a copy', async () => {
    const dir = tempDir();
    await syncFromTar(
      engineTar([
        { name: 'a', content: 'A' },
        { name: 'hard', type: 'link', linkname: 'shared/a' },
        { name: 'soft', type: 'symlink', linkname: '/etc/passwd' },
      ]),
      dir,
    );
    expect(readFileSync(join(dir, 'hard'), 'utf8')).toBe('A');
    expect(lstatSync(join(dir, 'hard')).ino).not.toBe(lstatSync(join(dir, 'a')).ino);
    expect(lstatSync(join(dir, 'soft')).isSymbolicLink()).toBe(true);
  });

  it('refuses names that climb out, paths through a link, and devices', async () => {
    const dir = tempDir();
    expect(await refusal(dir, [{ name: '../escape', content: 'x' }])).toMatch(/outside the shared directory/);
    expect(
      await refusal(dir, [
        { name: 'l', type: 'symlink', linkname: '/etc' },
        { name: 'l/passwd', content: 'x' },
      ]),
    ).toMatch(/l\/passwd lies under a symbolic link/);
    expect(await refusal(dir, [{ name: 'dev', type: 'character-device', devmajor: 1, devminor: 3 }])).toMatch(
      /made dev a character-device/,
    );
    expect(existsSync('/etc/passwd') && readFileSync('/etc/passwd', 'utf8')).not.toBe('x');
  });
});
