import { isAscii } from 'node:buffer';
import { type BigIntStats, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type WriteFileAtomic from 'write-file-atomic';
import { lazyRequire } from './lazy-require.js';
import type { ModuleVersion, Repository } from './model.js';

/*
 * Repository files, read and checked once, are kept as JSON: reading and checking YAML costs ~90 ms
 * per MB, JSON.parse ~10; and in a command's cold start (the reader and the checks still run in
 * V8's interpreter) even the project's 14 KB repository.yml took ~8 ms, its entry ~1. An entry is
 * used only while the file and e's code are the ones it was made from (the file's device, inode,
 * size, modification and change times; the build of e's code), so an edit, a replaced file or
 * another e is a miss, never a stale answer. Only files that were valid are kept; an invalid one
 * is read again each time, to report its problems.
 */

/** Files smaller than this are read each time: a hit would save next to nothing. */
export const CACHE_MIN_BYTES = 4 << 10;
/**
 * A file modified less than this long ago is not kept: a file system stamps times at a coarse
 * tick (a few ms, a second on some), so a second change within the same tick would leave the
 * stamp as it was (git's "racy" entries); a change after this long always moves it.
 */
const SETTLED_MS = 2_000;
/** Entries kept; the least recently made go first. */
const CACHE_ENTRIES = 16;
const FORMAT = 2;

const writeAtomic = lazyRequire<typeof WriteFileAtomic>('write-file-atomic');

interface Entry {
  format: number;
  code: string;
  file: string;
  repository: Repository;
  /** The values of SHARED_FIELDS that versions have in common, kept once (see pack). */
  shared: unknown[];
}

/**
 * The fields of a version that many versions hold equal (the same commands, no requirements...):
 * an entry keeps each distinct value once, and the versions that hold it share one object.
 * Fewer objects make the entry smaller and faster to read (fewer to parse and to collect).
 */
const SHARED_FIELDS = ['commands', 'requirements', 'mounts', 'influences', 'requires'] as const;

/** Where the entries live: $XDG_CACHE_HOME/e/repositories, by default ~/.cache/e/repositories. */
export function repositoryCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache'), 'e', 'repositories');
}

/** A repository file as the cache knows it: where its entry is, and what the entry must match. */
export interface CachedFile {
  entry: string;
  stamp: string;
  /** Whether the file is old enough to be kept (SETTLED_MS). */
  settled: boolean;
}

/**
 * The file at `source` when it is large enough to be cached (stat it before reading it: a file
 * changed after this stat is kept under the old stamp, and so never answered from the cache).
 */
export function cacheableFile(source: string, dir?: string): CachedFile | undefined {
  let stats: BigIntStats;
  try {
    stats = statSync(source, { bigint: true });
  } catch {
    return undefined;
  }
  if (!stats.isFile() || stats.size < BigInt(CACHE_MIN_BYTES)) return undefined;
  const path = resolve(source);
  const name = nameOf(path);
  const stamp = [path, stats.dev, stats.ino, stats.size, stats.mtimeNs, stats.ctimeNs].join(':');
  const settled = Date.now() - Number(stats.mtimeMs) > SETTLED_MS;
  return { entry: join(dir ?? repositoryCacheDir(), `${name}.json`), stamp, settled };
}

/**
 * A short file name for a path (FNV-1a, two lanes of 32 bits; node:crypto would cost more to load
 * than the rest of a hit). Two paths with one name only take turns in it: an entry names its path.
 */
function nameOf(path: string): string {
  let a = 0x811c9dc5;
  let b = 0x9747b28c ^ path.length;
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  return `${(a >>> 0).toString(16).padStart(8, '0')}${(b >>> 0).toString(16).padStart(8, '0')}`;
}

/** The repository kept for `file`, or undefined (none, made from another file or code, unreadable). */
export function readCachedRepository(file: CachedFile, source: string): Repository | undefined {
  const code = codeStamp();
  if (code === undefined) return undefined;
  try {
    // an entry e wrote is ASCII (cacheRepository): read as latin1, a copy, not decoded as UTF-8
    const bytes = readFileSync(file.entry);
    const entry = JSON.parse(bytes.toString(isAscii(bytes) ? 'latin1' : 'utf8')) as Partial<Entry>;
    if (entry.format !== FORMAT || entry.code !== code || entry.file !== file.stamp) return undefined;
    if (entry.repository === undefined || entry.shared === undefined) return undefined;
    return { ...unpack(entry.repository, entry.shared), source };
  } catch {
    return undefined;
  }
}

/** Keeps `repository` for `file`; best effort: a cache that cannot be written is left alone. */
export function cacheRepository(file: CachedFile, repository: Repository): void {
  const code = codeStamp();
  if (code === undefined || !file.settled) return;
  let finite = true;
  const entry: Entry = { format: FORMAT, code, file: file.stamp, ...pack(repository) };
  const json = JSON.stringify(entry, (_key, value: unknown) => {
    // JSON has no Infinity or NaN (a YAML label may be .inf): such a repository is not kept
    if (typeof value === 'number' && !Number.isFinite(value)) finite = false;
    return value;
  });
  if (!finite) return;
  const text = asciiJson(json);
  try {
    mkdirSync(dirname(file.entry), { recursive: true, mode: 0o700 });
    writeAtomic().sync(file.entry, text, { mode: 0o600 });
    prune(dirname(file.entry));
  } catch {
    // a read-only home, a full disk: the next run reads the file again
  }
}

/** JSON text with every character outside ASCII written as a `\u` escape (the same JSON). */
export function asciiJson(json: string): string {
  return json.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The repository with each version's SHARED_FIELDS replaced by the index of their value in `shared`. */
function pack(repository: Repository): { repository: Repository; shared: unknown[] } {
  const shared: unknown[] = [];
  const index = new Map<string, number>();
  const components = repository.components.map((component) => ({
    ...component,
    versions: component.versions.map((version) => {
      const out: Record<string, unknown> = { ...version };
      for (const field of SHARED_FIELDS) {
        const key = JSON.stringify(version[field]);
        let at = index.get(key);
        if (at === undefined) {
          at = shared.push(version[field]) - 1;
          index.set(key, at);
        }
        out[field] = at;
      }
      return out as unknown as ModuleVersion;
    }),
  }));
  return { repository: { ...repository, components }, shared };
}

/**
 * The inverse of pack: the versions get their shared values back, one object for all that hold it
 * (the model is read-only: nothing changes a version's values once built).
 */
function unpack(repository: Repository, shared: unknown[]): Repository {
  for (const component of repository.components) {
    for (const version of component.versions) {
      const fields = version as unknown as Record<string, unknown>;
      for (const field of SHARED_FIELDS) {
        const at = fields[field];
        if (typeof at !== 'number' || at >= shared.length)
          throw new Error(`a damaged entry: ${field} of ${component.name}`);
        fields[field] = shared[at];
      }
    }
  }
  return repository;
}

function prune(dir: string): void {
  const entries = readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .map((name) => ({ path: join(dir, name), at: statSync(join(dir, name)).mtimeMs }))
    .sort((a, b) => b.at - a.at);
  for (const old of entries.slice(CACHE_ENTRIES)) rmSync(old.path, { force: true });
}

let code: string | null | undefined;

/**
 * Which build of e's code this is: the record TypeScript rewrites on every build of this package
 * (core, where repositories are read), for its output and for e's bundles beside the CLI's output
 * (packages/cli/dist/bundle: bin/e.js runs one only while it is newer than that build, so it was
 * made from it), so that the commands of every bundle take the same entries (with a stamp per
 * bundle, `e status` after `e plan` read the file again each time); else the file e runs from
 * (the standalone e of `e export`). Undefined (no cache) when it cannot be read.
 */
export function codeStampFile(here: string): string {
  if (here.endsWith('.js')) return join(dirname(here), '..', '.tsbuildinfo');
  if (here.endsWith('.cjs') && basename(dirname(here)) === 'bundle') {
    return join(dirname(here), '..', '..', '..', 'core', 'dist', '.tsbuildinfo');
  }
  return here;
}

function codeStamp(): string | undefined {
  if (code === undefined) {
    // import.meta.filename: Node 20.11 and later (in e's bundles, the bundle's file without a URL)
    const built = codeStampFile(import.meta.filename ?? fileURLToPath(import.meta.url));
    try {
      const { size, mtimeMs } = statSync(built);
      code = `${built}:${size}:${mtimeMs}`;
    } catch {
      code = null;
    }
  }
  return code ?? undefined;
}
