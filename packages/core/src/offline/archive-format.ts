/**
 * The offline archive's entries: which names may appear, how big the JSON ones may be, and the
 * e/manifest.json that lists every entry with its sha256 and size. Pure: no I/O.
 */

export const ARCHIVE_FORMAT = 'e-offline-archive';
export const ARCHIVE_FORMAT_VERSION = 1;

/** Every entry's modification time (the epoch), owner and mode: the same input gives the same bytes. */
export const FIXED_MTIME = new Date(0);
export const FILE_MODE = 0o644;

/** The JSON and YAML entries are read into memory: at most this big. */
export const MAX_JSON_BYTES = 4 * 1024 * 1024;
export const MAX_REPOSITORY_BYTES = 16 * 1024 * 1024;
/** Blobs up to this size are kept in memory while verifying (manifests, configs, tiny layers). */
export const SMALL_BLOB_BYTES = 1024 * 1024;
/** At most this much of small blobs in memory at once. */
export const MAX_SMALL_BLOBS_BYTES = 256 * 1024 * 1024;
/**
 * A gzip blob may expand to at most this many times its size (real layers: 2-10×) once past
 * GZIP_FLOOR_BYTES: beyond it the blob is refused as a gzip bomb.
 */
export const GZIP_MAX_RATIO = 100;
export const GZIP_FLOOR_BYTES = 64 * 1024 * 1024;

export const TOP_LEVEL = ['oci-layout', 'index.json', 'manifest.json', 'blobs', 'e'] as const;

export const E_MANIFEST = 'e/manifest.json';
export const E_BOM = 'e/bom.json';
export const E_REPOSITORY = 'e/repository.yml';
/** Folders of e/ that hold files under plain names. */
export const E_FOLDERS = ['cli', 'files', 'packages', 'state'] as const;

/** A plain file name: letters, digits, `.`, `_`, `+`, `-`, `@`, `~`, `:`, not starting with a dot. */
const SAFE_NAME = /^[A-Za-z0-9_+@~-][A-Za-z0-9._+@~:-]{0,199}$/;
const BLOB = /^blobs\/sha256\/[a-f0-9]{64}$/;

export interface ArchiveEntryRecord {
  name: string;
  size: number;
  /** 64 hex digits. */
  sha256: string;
}

/** e/manifest.json. */
export interface ArchiveManifest {
  format: typeof ARCHIVE_FORMAT;
  formatVersion: number;
  /** The version of e that wrote the archive. */
  e: string;
  modules: { name: string; version: string }[];
  platforms: string[];
  /** The images inside: the reference, the digest index.json names for it, and each platform's manifest. */
  images: {
    reference: string;
    digest: string;
    /**
     * Each platform's manifest, config and layers (a hint: import checks what it loads against the
     * real manifests). An archive without `config` (older ones) has every image treated as one the
     * engine lacks.
     */
    platforms: { platform: string; digest: string; config?: string; layers?: string[] }[];
  }[];
  /** The e command line package (e/cli/...), when included. */
  cli?: string;
  /** Every entry but e/manifest.json itself, in archive order. */
  entries: ArchiveEntryRecord[];
}

export type EntryKind = 'layout' | 'index' | 'docker-manifest' | 'blob' | 'e-manifest' | 'e-json' | 'e-file';

/**
 * What an entry name is, or why it is refused (one sentence fragment naming the entry). Only
 * the names e writes are accepted: no directories, no `.` or `..`, no absolute paths.
 */
export function classifyEntryName(name: string): { kind: EntryKind } | { problem: string } {
  const shown = JSON.stringify(name.length > 120 ? `${name.slice(0, 120)}…` : name);
  if (name.startsWith('/')) return { problem: `has an entry with an absolute path, ${shown}` };
  if (/^[A-Za-z]:[\\/]/.test(name)) return { problem: `has an entry with an absolute path, ${shown}` };
  const parts = name.split(/[\\/]/);
  if (parts.includes('..')) return { problem: `has an entry that climbs out of the archive, ${shown}` };
  if (name.includes('\\') || name.includes('\0') || parts.some((p) => p === '' || p === '.'))
    return { problem: `has an entry with an irregular name, ${shown}` };
  const top = parts[0] as string;
  if (!(TOP_LEVEL as readonly string[]).includes(top))
    return { problem: `has an unknown top-level entry ${shown} (expected ${TOP_LEVEL.join(', ')})` };
  if (name === 'oci-layout') return { kind: 'layout' };
  if (name === 'index.json') return { kind: 'index' };
  if (name === 'manifest.json') return { kind: 'docker-manifest' };
  if (top === 'blobs') {
    return BLOB.test(name)
      ? { kind: 'blob' }
      : { problem: `has a blob entry that is not blobs/sha256/<64 hex>, ${shown}` };
  }
  if (top === 'e' && parts.length === 2) {
    if (name === E_MANIFEST) return { kind: 'e-manifest' };
    if (name === E_BOM) return { kind: 'e-json' };
    if (name === E_REPOSITORY) return { kind: 'e-file' };
  }
  if (
    top === 'e' &&
    parts.length === 3 &&
    (E_FOLDERS as readonly string[]).includes(parts[1] as string) &&
    SAFE_NAME.test(parts[2] as string)
  ) {
    return { kind: 'e-file' };
  }
  // e/packages/<os>/<file>: the downloader's packages, by operating system
  if (top === 'e' && parts.length === 4 && parts[1] === 'packages' && parts.slice(2).every((p) => SAFE_NAME.test(p))) {
    return { kind: 'e-file' };
  }
  return { problem: `has an entry e does not write, ${shown}` };
}

/** The most bytes an entry of `kind` may have (JSON is read into memory), or undefined for no limit. */
export function sizeLimit(kind: EntryKind, name: string): number | undefined {
  if (kind === 'layout' || kind === 'index' || kind === 'docker-manifest' || kind === 'e-manifest' || kind === 'e-json')
    return MAX_JSON_BYTES;
  if (name === E_REPOSITORY) return MAX_REPOSITORY_BYTES;
  return undefined;
}

/** Whether `name` is a plain file name the archive can hold under e/files, e/packages, ... */
export function isSafeFileName(name: string): boolean {
  return SAFE_NAME.test(name) && name !== '..';
}
