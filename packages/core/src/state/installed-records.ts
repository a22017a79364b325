import { createRequire } from 'node:module';
import { type Document, isMap, isNode, isScalar, type Node } from 'yaml';
import type * as Zod from 'zod';
import { StateError } from '../errors.js';
import { fastReadYaml } from '../repository/fast-yaml.js';
import { RESERVED_STATE_KEY } from '../repository/model.js';

/** e's record of one installed module, kept in state.yml at `e.installed.<module>`. */
export interface InstalledRecord {
  /** Exactly as in the repository ("1.10" stays "1.10"). */
  version: string;
  digest?: string;
  /** e.g. `linux/arm64`. */
  platform?: string;
  labels: Record<string, string | number | boolean>;
  /** e.g. `installing`, `initialized`, `applied`, `failed`, `destroyed`. */
  status: string;
  installedAt: string;
  updatedAt: string;
  /** Set when a module it is influenced by was applied and it has not been planned since. */
  needsPlan: boolean;
  /** Set when its last audit found drift (exit 3); cleared by a clean audit or an apply. */
  drift?: boolean;
}

/** A record to write: timestamps and needsPlan are filled in when left out. */
export type InstalledRecordInput = Omit<InstalledRecord, 'installedAt' | 'updatedAt' | 'needsPlan'> &
  Partial<Pick<InstalledRecord, 'installedAt' | 'updatedAt' | 'needsPlan'>>;

let schema: Zod.ZodType<InstalledRecord> | undefined;

/**
 * The schema of a record, built on first use: a well-formed record is read by `quickRecord`, so
 * zod is loaded only to explain a malformed one (and by the test that keeps the two in step).
 */
export function recordSchema(): Zod.ZodType<InstalledRecord> {
  if (schema !== undefined) return schema;
  const { z } = createRequire(import.meta.url)('zod') as typeof Zod;
  schema = z.object({
    version: z.union([z.string(), z.number()]).transform(String),
    digest: z.string().optional(),
    platform: z.string().optional(),
    labels: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
    status: z.string(),
    installedAt: z.string(),
    updatedAt: z.string(),
    needsPlan: z.boolean().default(false),
    drift: z.boolean().optional(),
  });
  return schema;
}

/**
 * What `recordSchema().parse(value)` returns, for a value it plainly accepts; undefined for
 * anything else (then the schema decides, and explains). Same keys, in the same order.
 */
export function quickRecord(value: unknown): InstalledRecord | undefined {
  if (!isPlainObject(value)) return undefined;
  const { version, digest, platform, labels, status, installedAt, updatedAt, needsPlan, drift } = value;
  if (typeof version !== 'string' && !isFiniteNumber(version)) return undefined;
  if ((digest !== undefined && typeof digest !== 'string') || (platform !== undefined && typeof platform !== 'string'))
    return undefined;
  if (typeof status !== 'string' || typeof installedAt !== 'string' || typeof updatedAt !== 'string') return undefined;
  if (needsPlan !== undefined && typeof needsPlan !== 'boolean') return undefined;
  if (drift !== undefined && typeof drift !== 'boolean') return undefined;
  let labelsCopy: InstalledRecord['labels'] = {};
  if (labels !== undefined) {
    if (!isPlainObject(labels) || Object.hasOwn(labels, '__proto__')) return undefined;
    labelsCopy = {};
    for (const [key, label] of Object.entries(labels)) {
      if (typeof label !== 'string' && typeof label !== 'boolean' && !isFiniteNumber(label)) return undefined;
      labelsCopy[key] = label;
    }
  }
  // zod keeps an optional key that is present, even when undefined
  return {
    version: String(version),
    ...('digest' in value ? { digest: digest as string | undefined } : {}),
    ...('platform' in value ? { platform: platform as string | undefined } : {}),
    labels: labelsCopy,
    status,
    installedAt,
    updatedAt,
    needsPlan: needsPlan ?? false,
    ...('drift' in value ? { drift: drift as boolean | undefined } : {}),
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

const INSTALLED = [RESERVED_STATE_KEY, 'installed'] as const;

/** Where the document came from, for error positions: `LoadedState` fits. */
export interface StateSource {
  doc: Document;
  text: string;
  path: string;
}

/** Every installed-module record, by module name; a malformed record is a StateError at file:line:col. */
export function readInstalled(state: StateSource): Record<string, InstalledRecord> {
  const node = state.doc.getIn(INSTALLED, true);
  if (node === undefined || node === null) return {};
  if (!isMap(node))
    throw recordError(state, node as Node, `${INSTALLED.join('.')}`, 'expected a mapping of module names');
  const records: Record<string, InstalledRecord> = {};
  for (const pair of node.items) {
    const name = String(isNode(pair.key) ? (pair.key as { toJSON(): unknown }).toJSON() : pair.key);
    const value = isNode(pair.value) ? pair.value.toJSON() : pair.value;
    const quick = quickRecord(value);
    if (quick !== undefined) {
      records[name] = quick;
      continue;
    }
    const parsed = recordSchema().safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const sub = issue?.path.map(String) ?? [];
      const at = state.doc.getIn([...INSTALLED, name, ...sub], true) ?? pair.value ?? pair.key;
      throw recordError(state, at as Node, [...INSTALLED, name, ...sub].join('.'), issue?.message ?? 'invalid record');
    }
    records[name] = parsed.data;
  }
  return records;
}

/**
 * What readInstalled gives for the state in `text`, read without a YAML document (the fast reader
 * of repository files, as plain YAML data: fast-yaml.ts), when the text is plain YAML and every
 * record is well-formed; undefined for anything else, which readInstalled then reads and, when
 * something is wrong, explains with its position. For the commands that only show the records.
 */
export function quickInstalled(text: string): Record<string, InstalledRecord> | undefined {
  const data = fastReadYaml(text, 'json');
  if (data === null) return {};
  if (!isPlainObject(data)) return undefined;
  const section = data[RESERVED_STATE_KEY];
  if (section === undefined) return {};
  if (!isPlainObject(section)) return undefined;
  const installed = section[INSTALLED[1]];
  if (installed === undefined) return {};
  if (!isPlainObject(installed)) return undefined;
  const records: Record<string, InstalledRecord> = {};
  for (const [name, value] of Object.entries(installed)) {
    const record = quickRecord(value);
    if (record === undefined) return undefined;
    records[name] = record;
  }
  return records;
}

export function getInstalled(state: StateSource, module: string): InstalledRecord | undefined {
  return readInstalled(state)[module];
}

/**
 * Writes `e.installed.<module>`, keeping `installedAt` of an existing record and stamping
 * `updatedAt`. Edits the document only; save it with saveState under the lock.
 */
export function setInstalled(
  state: StateSource,
  module: string,
  input: InstalledRecordInput,
  now = new Date(),
): InstalledRecord {
  const previous = getInstalled(state, module);
  const stamp = now.toISOString();
  // always the same key order, so a record's diff shows what changed and nothing else
  const record: InstalledRecord = {
    version: input.version,
    digest: input.digest,
    platform: input.platform,
    labels: { ...input.labels },
    status: input.status,
    needsPlan: input.needsPlan ?? previous?.needsPlan ?? false,
    ...(input.drift ? { drift: true } : {}),
    installedAt: input.installedAt ?? previous?.installedAt ?? stamp,
    updatedAt: input.updatedAt ?? stamp,
  };
  ensureMap(state, [RESERVED_STATE_KEY]);
  ensureMap(state, INSTALLED);
  const plain = Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined));
  state.doc.setIn([...INSTALLED, module], state.doc.createNode(plain));
  return record;
}

/** Removes `e.installed.<module>`; returns whether there was one. */
export function removeInstalled(state: StateSource, module: string): boolean {
  return state.doc.deleteIn([...INSTALLED, module]);
}

/** Turns an empty `e:` or `e.installed:` into a mapping so records can be set under it. */
function ensureMap(state: StateSource, path: readonly string[]): void {
  const node = state.doc.getIn(path, true);
  if (node === undefined || node === null || (isScalar(node) && node.value === null)) {
    state.doc.setIn(path, state.doc.createNode({}));
  } else if (!isMap(node)) {
    throw recordError(state, node as Node, path.join('.'), 'expected a mapping');
  }
}

function recordError(state: StateSource, node: Node | undefined, path: string, message: string): StateError {
  const offset = node?.range?.[0] ?? 0;
  const before = state.text.slice(0, offset).split('\n');
  const line = before.length;
  const col = (before.at(-1)?.length ?? 0) + 1;
  return new StateError('E_STATE_RECORD_INVALID', `${state.path}:${line}:${col}: ${path}: ${message}.`, {
    hint: "Fix e's records by hand, or return to an earlier revision with e state rollback N.",
  });
}
