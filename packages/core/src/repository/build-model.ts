import { normalizeOperator } from '../selector/operators.js';
import { normalizeCapability } from './capabilities.js';
import { parseMemorySize } from './memory-size.js';
import type {
  Component,
  LabelValue,
  MatchExpression,
  ModuleCommand,
  ModuleVersion,
  Repository,
  RequiredFile,
  RequiredImage,
  RequiredPackage,
  Requirement,
} from './model.js';

/* The shapes below are what the schema and rules have already accepted. */
interface RawExpression {
  key: string;
  operator: string;
  values?: unknown[];
}
interface RawVersion {
  version: string;
  latest?: boolean;
  image?: string;
  images?: Record<string, string>;
  architectures?: string[];
  workdir?: string;
  mounts?: string[];
  labels?: Record<string, LabelValue>;
  requires?: { strong?: RawExpression[][]; weak?: RawExpression[][] };
  influences?: RawExpression[][];
  requirements?: {
    images?: (string | RequiredImage)[];
    files?: RequiredFile[];
    packages?: RequiredPackage[];
  };
  commands: { name: string; description?: string; command: string; envs?: Record<string, string>; args?: string[] }[];
  network?: boolean;
  capabilities?: string[];
  resources?: { memory?: number | string; pids?: number };
}
export interface RawRepository {
  components: { name: string; type: 'docker'; versions: RawVersion[] }[];
}

/*
 * This runs on every valid file: plain loops, objects built field by field (in the order the
 * model lists them, which is the order of `-o json` output), and the reader's own lists, ordinary
 * maps and expressions reused rather than copied (the model is read-only; the reader's data is
 * this module's alone). Nothing is shared between
 * two places of the model, though: `-o yaml` would print a shared object as an alias.
 */

/** A map of the reader as an ordinary object: the fast reader's as it is, the yaml library's copied. */
function plain<T>(record: Record<string, T> | undefined): Readonly<Record<string, T>> {
  if (record === undefined) return {};
  if (Object.getPrototypeOf(record) === Object.prototype) return record;
  const out: Record<string, T> = {};
  for (const key in record) {
    // an env variable may be called __proto__: keep it as a key, not as the prototype
    if (key === '__proto__') {
      Object.defineProperty(out, key, { value: record[key], enumerable: true, writable: true, configurable: true });
    } else out[key] = record[key] as T;
  }
  return out;
}

/**
 * An expression of the fast reader written as the model has it (`key`, `operator`, `values`, in
 * that order): the model takes it as it is, with its operator spelled the canonical way.
 */
function isModelExpression(expr: RawExpression): boolean {
  if (Object.getPrototypeOf(expr) !== Object.prototype) return false;
  let i = 0;
  for (const key in expr) {
    if (key !== (i === 0 ? 'key' : i === 1 ? 'operator' : 'values')) return false;
    i++;
  }
  return i === 3;
}

/** A requirement list of the model; the reader's lists are taken as they are when nothing in them changes. */
function requirements(list: RawExpression[][] | undefined): readonly Requirement[] {
  if (list === undefined) return [];
  let out: Requirement[] | undefined;
  for (let r = 0; r < list.length; r++) {
    const requirement = list[r]!;
    let expressions: MatchExpression[] | undefined;
    for (let e = 0; e < requirement.length; e++) {
      const expr = requirement[e]!;
      const operator = normalizeOperator(expr.operator)!;
      if (isModelExpression(expr)) {
        if (expr.operator !== operator) expr.operator = operator;
        expressions?.push(expr as MatchExpression);
      } else {
        expressions ??= requirement.slice(0, e) as MatchExpression[];
        expressions.push({ key: expr.key, operator, values: expr.values ?? [] });
      }
    }
    if (expressions !== undefined) out ??= list.slice(0, r) as Requirement[];
    out?.push(expressions ?? (requirement as MatchExpression[]));
  }
  return out ?? (list as Requirement[]);
}

function command(raw: RawVersion['commands'][number]): ModuleCommand {
  const out = { name: raw.name } as { -readonly [K in keyof ModuleCommand]: ModuleCommand[K] };
  if (raw.description !== undefined) out.description = raw.description;
  out.command = raw.command;
  out.envs = plain(raw.envs);
  out.args = raw.args ?? [];
  return out;
}

function version(raw: RawVersion): ModuleVersion {
  const out = { version: raw.version, latest: raw.latest === true } as {
    -readonly [K in keyof ModuleVersion]: ModuleVersion[K];
  };
  if (raw.image !== undefined) out.image = raw.image;
  if (raw.images !== undefined) out.images = plain(raw.images);
  if (raw.architectures !== undefined) out.architectures = raw.architectures;
  if (raw.workdir !== undefined) out.workdir = raw.workdir;
  out.mounts = raw.mounts ?? [];
  out.labels = plain(raw.labels);
  out.requires = { strong: requirements(raw.requires?.strong), weak: requirements(raw.requires?.weak) };
  out.influences = requirements(raw.influences);
  const bill = raw.requirements;
  out.requirements = {
    images: bill?.images === undefined ? [] : bill.images.map(requiredImage),
    files: bill?.files === undefined ? [] : bill.files.map(requiredFile),
    packages: bill?.packages === undefined ? [] : bill.packages.map(requiredPackage),
  };
  const commands: ModuleCommand[] = [];
  for (const entry of raw.commands) commands.push(command(entry));
  out.commands = commands;
  if (raw.network !== undefined) out.network = raw.network;
  if (raw.capabilities !== undefined) out.capabilities = [...new Set(raw.capabilities.map(normalizeCapability))];
  if (raw.resources !== undefined) out.resources = resources(raw.resources);
  return out;
}

/* Copied field by field, in the model's order, so that no two places of the model share an object. */
function requiredImage(raw: string | RequiredImage): RequiredImage {
  if (typeof raw === 'string') return { image: raw };
  return raw.architectures === undefined
    ? { image: raw.image }
    : { image: raw.image, architectures: [...raw.architectures] };
}

function requiredFile(raw: RequiredFile): RequiredFile {
  const out: { -readonly [K in keyof RequiredFile]: RequiredFile[K] } = {
    name: raw.name,
    url: raw.url,
    sha256: raw.sha256,
  };
  if (raw.size !== undefined) out.size = raw.size;
  if (raw.architectures !== undefined) out.architectures = [...raw.architectures];
  return out;
}

function requiredPackage(raw: RequiredPackage): RequiredPackage {
  const out: { -readonly [K in keyof RequiredPackage]: RequiredPackage[K] } = {
    name: raw.name,
    version: raw.version,
    os: raw.os,
  };
  if (raw.architectures !== undefined) out.architectures = [...raw.architectures];
  return out;
}

function resources(raw: NonNullable<RawVersion['resources']>): NonNullable<ModuleVersion['resources']> {
  const out: { memoryBytes?: number; pids?: number } = {};
  if (raw.memory !== undefined) {
    out.memoryBytes = typeof raw.memory === 'number' ? raw.memory : parseMemorySize(raw.memory)!;
  }
  if (raw.pids !== undefined) out.pids = raw.pids;
  return out;
}

/** The model of a repository whose data passed the schema and the rules. */
export function buildRepository(raw: RawRepository, source: string): Repository {
  const components: Component[] = [];
  for (const component of raw.components) {
    const versions: ModuleVersion[] = [];
    for (const entry of component.versions) versions.push(version(entry));
    components.push({ name: component.name, type: component.type, versions });
  }
  return { source, components };
}
