import { STRICT_SEMVER } from '../selector/compare.js';
import { LABEL_KEY_PATTERN } from '../selector/label-key.js';
import { OPERATOR_SPELLINGS } from '../selector/operators.js';
import { CAPABILITY_SPELLINGS } from './capabilities.js';
import { MEMORY_SIZE, MIN_MEMORY_BYTES } from './memory-size.js';
import {
  ABSOLUTE_PATH,
  ARCHITECTURES,
  COMMAND_NAME,
  COMPONENT_NAME,
  ENV_NAME,
  FILE_NAME,
  FILE_URL,
  OS_RELEASE,
  SHA256_HEX,
} from './schema-patterns.js';

/*
 * A quick yes/no over the shape the zod schema (schema.ts) describes. zod builds a copy of every
 * object it checks, which on a large repository costs more than reading the file; this walks the
 * data once and allocates nothing. It may only say yes to data the schema accepts: on anything
 * unusual it says no, and the caller asks zod, which also says what is wrong
 * (shape-check.test.ts holds the two together).
 */

type Fields = Readonly<Record<string, true>>;

const LABEL_KEY = new RegExp(LABEL_KEY_PATTERN);
const OPERATOR_SET = new Set(OPERATOR_SPELLINGS);
const ARCHITECTURE_SET = new Set<string>(ARCHITECTURES);
const CAPABILITY_SET = new Set<string>(CAPABILITY_SPELLINGS);

const fields = (...names: string[]): Fields => Object.fromEntries(names.map((name) => [name, true]));
const ROOT_FIELDS = fields('version', 'kind', 'components');
const COMPONENT_FIELDS = fields('name', 'type', 'versions');
const VERSION_FIELDS = fields(
  'version',
  'latest',
  'image',
  'images',
  'architectures',
  'workdir',
  'mounts',
  'labels',
  'requires',
  'influences',
  'requirements',
  'commands',
  'network',
  'capabilities',
  'resources',
);
const RESOURCES_FIELDS = fields('memory', 'pids');
const REQUIRES_FIELDS = fields('strong', 'weak');
const REQUIREMENTS_FIELDS = fields('images', 'files', 'packages');
const REQUIRED_IMAGE_FIELDS = fields('image', 'architectures');
const REQUIRED_FILE_FIELDS = fields('name', 'url', 'sha256', 'size', 'architectures');
const REQUIRED_PACKAGE_FIELDS = fields('name', 'version', 'os', 'architectures');
const EXPRESSION_FIELDS = fields('key', 'operator', 'values');
const COMMAND_FIELDS = fields('name', 'description', 'command', 'envs', 'args');

/** A map as zod's objects and records take it: plain or null prototype, not a list. */
function isMap(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === null || proto === Object.prototype;
}

/** Every own key is allowed (a strict object). */
function closed(map: Record<string, unknown>, allowed: Fields): boolean {
  for (const key in map) if (!Object.hasOwn(map, key) || allowed[key] !== true) return false;
  return true;
}

const isString = (value: unknown): value is string => typeof value === 'string';

function isStringList(value: unknown, test?: (item: string) => boolean): boolean {
  if (!Array.isArray(value)) return false;
  for (const item of value) if (typeof item !== 'string' || (test !== undefined && !test(item))) return false;
  return true;
}

const absolute = (text: string): boolean => ABSOLUTE_PATH.test(text);
const nonEmpty = (text: string): boolean => text.length > 0;

function isRequirementList(value: unknown): boolean {
  if (!Array.isArray(value)) return false;
  for (const requirement of value) {
    if (!Array.isArray(requirement)) return false;
    for (const expression of requirement) {
      if (!isMap(expression) || !closed(expression, EXPRESSION_FIELDS)) return false;
      if (!isString(expression.key) || !LABEL_KEY.test(expression.key)) return false;
      if (!isString(expression.operator) || !OPERATOR_SET.has(expression.operator)) return false;
      // json-logic rules (maps) are left to zod
      if (expression.values !== undefined && !isStringList(expression.values)) return false;
    }
  }
  return true;
}

function isList(value: unknown, test: (item: unknown) => boolean): boolean {
  if (!Array.isArray(value)) return false;
  for (const item of value) if (!test(item)) return false;
  return true;
}

const isArchitectures = (value: unknown): boolean =>
  value === undefined || isStringList(value, (a) => ARCHITECTURE_SET.has(a));
const matches = (value: unknown, pattern: RegExp): boolean => isString(value) && pattern.test(value);

function isRequiredImage(value: unknown): boolean {
  if (isString(value)) return true;
  if (!isMap(value) || !closed(value, REQUIRED_IMAGE_FIELDS)) return false;
  return isString(value.image) && isArchitectures(value.architectures);
}

function isRequiredFile(value: unknown): boolean {
  if (!isMap(value) || !closed(value, REQUIRED_FILE_FIELDS)) return false;
  if (!matches(value.name, FILE_NAME) || !matches(value.url, FILE_URL) || !matches(value.sha256, SHA256_HEX)) {
    return false;
  }
  const size = value.size;
  if (size !== undefined && !(typeof size === 'number' && Number.isSafeInteger(size) && size >= 0)) return false;
  return isArchitectures(value.architectures);
}

function isRequiredPackage(value: unknown): boolean {
  if (!isMap(value) || !closed(value, REQUIRED_PACKAGE_FIELDS)) return false;
  if (!isString(value.name) || !nonEmpty(value.name) || !isString(value.version) || !nonEmpty(value.version)) {
    return false;
  }
  return matches(value.os, OS_RELEASE) && isArchitectures(value.architectures);
}

function isCommand(value: unknown): boolean {
  if (!isMap(value) || !closed(value, COMMAND_FIELDS)) return false;
  if (!isString(value.name) || !COMMAND_NAME.test(value.name)) return false;
  if (value.description !== undefined && !isString(value.description)) return false;
  if (!isString(value.command) || value.command.length === 0) return false;
  if (value.envs !== undefined) {
    if (!isMap(value.envs)) return false;
    for (const name in value.envs) if (!ENV_NAME.test(name) || !isString(value.envs[name])) return false;
  }
  return value.args === undefined || isStringList(value.args);
}

function isLabels(value: unknown): boolean {
  if (!isMap(value)) return false;
  for (const key in value) {
    if (!LABEL_KEY.test(key)) return false;
    const label = value[key];
    if (typeof label === 'number' ? !Number.isFinite(label) : !isString(label) && typeof label !== 'boolean') {
      return false;
    }
  }
  return true;
}

/** A size as written (its minimum is a rule, rules.ts) or a number of bytes, at least the minimum. */
function isMemory(value: unknown): boolean {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= MIN_MEMORY_BYTES;
  return isString(value) && MEMORY_SIZE.test(value);
}

function isResources(value: unknown): boolean {
  if (!isMap(value) || !closed(value, RESOURCES_FIELDS)) return false;
  if (value.memory !== undefined && !isMemory(value.memory)) return false;
  const pids = value.pids;
  return pids === undefined || (typeof pids === 'number' && Number.isSafeInteger(pids) && pids >= 1);
}

function isVersion(value: unknown): boolean {
  if (!isMap(value) || !closed(value, VERSION_FIELDS)) return false;
  const v = value;
  if (!isString(v.version) || !STRICT_SEMVER.test(v.version)) return false;
  if (v.latest !== undefined && typeof v.latest !== 'boolean') return false;
  if (v.image !== undefined && !isString(v.image)) return false;
  if (v.images !== undefined) {
    if (!isMap(v.images)) return false;
    for (const arch in v.images) if (!ARCHITECTURE_SET.has(arch) || !isString(v.images[arch])) return false;
  }
  if (v.architectures !== undefined && !isStringList(v.architectures, (a) => ARCHITECTURE_SET.has(a))) return false;
  if (v.workdir !== undefined && !(isString(v.workdir) && absolute(v.workdir))) return false;
  if (v.mounts !== undefined && !isStringList(v.mounts, absolute)) return false;
  if (v.labels !== undefined && !isLabels(v.labels)) return false;
  if (v.requires !== undefined) {
    const requires = v.requires;
    if (!isMap(requires) || !closed(requires, REQUIRES_FIELDS)) return false;
    if (requires.strong !== undefined && !isRequirementList(requires.strong)) return false;
    if (requires.weak !== undefined && !isRequirementList(requires.weak)) return false;
  }
  if (v.influences !== undefined && !isRequirementList(v.influences)) return false;
  if (v.requirements !== undefined) {
    const r = v.requirements;
    if (!isMap(r) || !closed(r, REQUIREMENTS_FIELDS)) return false;
    if (r.images !== undefined && !isList(r.images, isRequiredImage)) return false;
    if (r.files !== undefined && !isList(r.files, isRequiredFile)) return false;
    if (r.packages !== undefined && !isList(r.packages, isRequiredPackage)) return false;
  }
  if (!Array.isArray(v.commands)) return false;
  for (const command of v.commands) if (!isCommand(command)) return false;
  if (v.network !== undefined && typeof v.network !== 'boolean') return false;
  if (v.capabilities !== undefined && !isStringList(v.capabilities, (c) => CAPABILITY_SET.has(c))) return false;
  return v.resources === undefined || isResources(v.resources);
}

/** True only when the repository schema accepts `data` (false: ask zod). */
export function fitsRepositoryShape(data: unknown): boolean {
  if (!isMap(data) || !closed(data, ROOT_FIELDS)) return false;
  if (data.version !== 'v1' || data.kind !== 'Repository' || !Array.isArray(data.components)) return false;
  for (const component of data.components) {
    if (!isMap(component) || !closed(component, COMPONENT_FIELDS)) return false;
    if (!isString(component.name) || !COMPONENT_NAME.test(component.name)) return false;
    if (component.type !== 'docker') return false;
    const versions = component.versions;
    if (!Array.isArray(versions) || versions.length === 0) return false;
    for (const version of versions) if (!isVersion(version)) return false;
  }
  return true;
}
