import { createReadStream } from 'node:fs';
import { chmod, lstat, mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract, pack } from 'tar-stream';
import { RuntimeError } from '../errors.js';

/*
 * A remote engine cannot see e's files, so a bind mount would show the module an empty folder.
 * Instead the directory travels as an uncompressed tar through the engine's archive API into a
 * volume before the run, and back after it. Reading it back refreshes the local copy in place,
 * writing only what differs, so the staged run's change detection (stage.ts) and merge rules
 * (merge.ts) see exactly what the module did, as with a bind mount.
 */

/**
 * Packs `dir` as an uncompressed tar stream of regular files and directories (names relative to
 * `dir`, owners and modes kept), leaving out the top-level names in `exclude` (where other mounts
 * go) and anything that is neither a file nor a directory (never staged).
 */
export function packDirectory(dir: string, exclude: ReadonlySet<string> = new Set()): Readable {
  const tar = pack();
  const walk = async (rel: string): Promise<void> => {
    const entries = await readdir(join(dir, rel), { withFileTypes: true });
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const path = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (rel === '' && exclude.has(entry.name)) continue;
      const full = join(dir, path);
      const stats = await lstat(full);
      const header = { name: path, mode: stats.mode & 0o7777, uid: stats.uid, gid: stats.gid, mtime: stats.mtime };
      if (stats.isDirectory()) {
        tar.entry({ ...header, type: 'directory' });
        await walk(path);
      } else if (stats.isFile()) {
        await pipeline(createReadStream(full), tar.entry({ ...header, type: 'file', size: stats.size }));
      }
    }
  };
  walk('').then(
    () => tar.finalize(),
    (error: unknown) => tar.destroy(error as Error),
  );
  return tar as unknown as Readable;
}

/** True when `dir` holds nothing (or does not exist): an empty volume needs no copy. */
export async function isEmptyDirectory(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length === 0;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw error;
  }
}

/**
 * Makes `dir` hold what the tar (from the engine's archive API, whose names start with the
 * archived directory's own name) holds, except the top-level names in `exclude`: files whose
 * content and mode are unchanged are left alone, others are written, entries the tar lacks are
 * removed. A symbolic link is recreated as a link (never followed; the merge refuses it), a hard
 * link becomes a copy of its target; a device or FIFO, a name that climbs out (`..`, absolute) or
 * a path through a link refuse the whole copy.
 */
export async function syncFromTar(
  source: NodeJS.ReadableStream,
  dir: string,
  exclude: ReadonlySet<string> = new Set(),
): Promise<void> {
  const seen = new Set<string>();
  const links = new Set<string>();
  const untar = extract();
  const input = source as Readable;
  input.on('error', (error: Error) => untar.destroy(error));
  input.pipe(untar as unknown as NodeJS.WritableStream);
  let root: string | undefined;
  try {
    await readEntries();
  } catch (error) {
    input.destroy();
    throw error;
  }
  if (root === undefined) throw refused('the archive is empty');
  await removeUnseen(dir, '', seen, exclude);

  async function readEntries(): Promise<void> {
    for await (const entry of untar) {
      const { header } = entry;
      const name = header.name.replace(/\/+$/, '');
      root ??= name.split('/')[0];
      const parts = name.split('/');
      if (parts[0] !== root || parts.some((p) => p === '' || p === '.' || p === '..') || name.includes('\0')) {
        entry.resume();
        throw refused(`the archive names "${header.name}", outside the shared directory`);
      }
      const rel = parts.slice(1).join('/');
      if (rel === '' || exclude.has(parts[1] as string)) {
        entry.resume();
        continue;
      }
      for (let i = 1; i < parts.length - 1; i++) {
        if (links.has(parts.slice(1, i + 1).join('/'))) {
          entry.resume();
          throw refused(`${rel} lies under a symbolic link the module made`);
        }
      }
      const target = join(dir, rel);
      const existing = await lstat(target).catch(() => undefined);
      seen.add(rel);
      switch (header.type) {
        case 'directory': {
          entry.resume();
          if (existing !== undefined && !existing.isDirectory()) await rm(target, { recursive: true, force: true });
          if (existing === undefined || !existing.isDirectory()) await mkdir(target);
          await syncMode(target, header.mode, existing?.isDirectory() ? existing.mode : undefined);
          break;
        }
        case 'file':
        case 'contiguous-file': {
          const content = await collect(entry as unknown as AsyncIterable<Buffer>);
          await syncFile(target, content, header.mode, existing);
          break;
        }
        case 'link': {
          entry.resume();
          const from = (header.linkname ?? '').split('/').slice(1).join('/');
          if (from === '' || !seen.has(from) || links.has(from))
            throw refused(`${rel} is a hard link to ${header.linkname}`);
          await syncFile(target, await readFile(join(dir, from)), header.mode, existing);
          break;
        }
        case 'symlink': {
          entry.resume();
          links.add(rel);
          if (existing?.isSymbolicLink()) break;
          if (existing !== undefined) await rm(target, { recursive: true, force: true });
          await symlink(header.linkname ?? '', target);
          break;
        }
        default:
          entry.resume();
          throw refused(`the module made ${rel} a ${header.type ?? 'special file'}`);
      }
    }
  }
}

async function syncFile(
  target: string,
  content: Buffer,
  mode: number | undefined,
  existing: Awaited<ReturnType<typeof lstat>> | undefined,
): Promise<void> {
  if (existing?.isFile() && Number(existing.size) === content.length && (await readFile(target)).equals(content)) {
    await syncMode(target, mode, Number(existing.mode));
    return;
  }
  if (existing !== undefined) await rm(target, { recursive: true, force: true });
  await writeFile(target, content, { mode: (mode ?? 0o644) & 0o777 });
  await syncMode(target, mode, undefined);
}

/** Sets the permission bits the module left (set-id bits are dropped, as the merge drops them). */
async function syncMode(target: string, mode: number | undefined, current: number | undefined): Promise<void> {
  if (mode === undefined) return;
  const wanted = mode & 0o777;
  if (current === undefined || (current & 0o7777) !== wanted) await chmod(target, wanted);
}

async function removeUnseen(
  dir: string,
  rel: string,
  seen: ReadonlySet<string>,
  exclude: ReadonlySet<string>,
): Promise<void> {
  for (const entry of await readdir(join(dir, rel), { withFileTypes: true })) {
    const path = rel === '' ? entry.name : `${rel}/${entry.name}`;
    if (rel === '' && exclude.has(entry.name)) continue;
    if (!seen.has(path)) await rm(join(dir, path), { recursive: true, force: true });
    else if (entry.isDirectory()) await removeUnseen(dir, path, seen, exclude);
  }
}

async function collect(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

function refused(why: string): RuntimeError {
  return new RuntimeError('E_REMOTE_SHARED', `e refused the files the module left on the remote engine: ${why}.`, {
    hint: 'Nothing of this run was merged; modules may write only regular files and directories under /shared.',
  });
}
