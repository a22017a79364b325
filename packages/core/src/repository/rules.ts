import { quote } from '../errors.js';
import { checkExpression } from '../selector/check-expression.js';
import { asVersion, STRICT_SEMVER } from '../selector/compare.js';
import { normalizeOperator } from '../selector/operators.js';
import { normalizeCapability } from './capabilities.js';
import { checkImageReference } from './image-reference.js';
import { MEMORY_SIZE, memorySizeProblem } from './memory-size.js';
import { REQUIRED_COMMANDS, RESERVED_STATE_KEY } from './model.js';
import type { PathSegment } from './problem.js';
import type { RawProblem } from './raw-problem.js';

/** Variables e sets for module commands (docs/module-contract.md); a repository cannot override them. */
export const RESERVED_ENVS: ReadonlySet<string> = new Set([
  'E_MODULE',
  'E_VERSION',
  'E_COMMAND',
  'E_SHARED',
  'E_STATE',
  'E_INPUTS',
  'E_PLATFORM',
  'E_PLAN_FILE',
]);

type Found = { message: string; hint?: string };

export function componentNameProblem(name: string): Found {
  const quoted = quote(name);
  const advice = 'use lower-case letters, digits and "-", starting and ending with a letter or digit';
  if (name === '') return { message: 'a component name cannot be empty' };
  if (name.includes('/') || name.includes('\\')) {
    return {
      message: `component name ${quoted} contains a path separator`,
      hint: `names become file names; ${advice}`,
    };
  }
  if (name.includes('..') || name === '.') {
    return { message: `component name ${quoted} is not allowed (it is a relative path)`, hint: advice };
  }
  if (name.length > 63) return { message: `component name ${quoted} is longer than 63 characters` };
  if (name !== name.toLowerCase() && /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/.test(name.toLowerCase())) {
    return {
      message: `component name ${quoted} must be lower-case`,
      hint: `write ${JSON.stringify(name.toLowerCase())}`,
    };
  }
  return { message: `invalid component name ${quoted}`, hint: advice };
}

export function versionProblem(version: string): Found {
  const quoted = quote(version);
  if (/^[vV]/.test(version) && STRICT_SEMVER.test(version.slice(1))) {
    return { message: `version ${quoted} must not start with "v"`, hint: `write "${version.slice(1)}"` };
  }
  const near = asVersion(version);
  if (near !== undefined) {
    return { message: `version ${quoted} is not semver (MAJOR.MINOR.PATCH)`, hint: `write "${near}"` };
  }
  return { message: `version ${quoted} is not semver (MAJOR.MINOR.PATCH)`, hint: 'write a version such as "0.1.0"' };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function list(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

export interface RuleContext {
  /** The line a path is on, for "first defined at line N". */
  lineOf(path: readonly PathSegment[]): number;
}

/*
 * These run on every valid file, so they allocate nothing on the way (paths are built only for a
 * problem) and walk each version once.
 */

/**
 * The rules beyond shape: duplicates, more than one latest, reserved names, image references,
 * required commands, operator arity and values. Works on raw data that may be partly malformed
 * (shape problems are reported by the schema), so every access is guarded.
 */
export function checkRules(data: unknown, ctx: RuleContext): RawProblem[] {
  const problems: RawProblem[] = [];
  if (!isRecord(data)) return problems;
  const seenNames = new Map<string, number>();
  const components = list(data.components);
  for (let i = 0; i < components.length; i++) {
    const component = components[i];
    if (!isRecord(component)) continue;
    const name = typeof component.name === 'string' ? component.name : undefined;
    if (name !== undefined) {
      if (name === RESERVED_STATE_KEY) {
        problems.push({
          path: ['components', i, 'name'],
          message: `component name "${name}" is reserved`,
          hint: `"${RESERVED_STATE_KEY}" is the state's key for e's own records; choose another name`,
        });
      }
      const first = seenNames.get(name);
      if (first === undefined) seenNames.set(name, i);
      else {
        problems.push({
          path: ['components', i, 'name'],
          message: `duplicate component "${name}" (first defined at line ${ctx.lineOf(['components', first, 'name'])})`,
          hint: 'list all versions of a module under one component',
        });
      }
    }
    checkVersions(component.versions, i, name ?? `components[${i}]`, ctx, problems);
  }
  return problems;
}

function checkVersions(versions: unknown, i: number, name: string, ctx: RuleContext, problems: RawProblem[]) {
  const base = (): PathSegment[] => ['components', i, 'versions'];
  const entries = list(versions);
  // semver precedence ignores build metadata, so 1.0.0 and 1.0.0+b are the same version
  const seen = new Map<string, number>();
  let latest: { version: string; index: number } | undefined;
  for (let j = 0; j < entries.length; j++) {
    const entry = entries[j];
    if (!isRecord(entry)) continue;
    const path = () => [...base(), j];
    const version = typeof entry.version === 'string' ? entry.version : undefined;
    if (version !== undefined && STRICT_SEMVER.test(version)) {
      const plus = version.indexOf('+');
      const id = plus === -1 ? version : version.slice(0, plus);
      const same = seen.get(id);
      if (same !== undefined) {
        problems.push({
          path: [...path(), 'version'],
          message: `duplicate version "${version}" of "${name}" (also at line ${ctx.lineOf([...base(), same, 'version'])})`,
          hint: 'each version of a component must be different',
        });
      } else {
        seen.set(id, j);
      }
    }
    if (entry.latest === true) {
      if (latest) {
        problems.push({
          path: [...path(), 'latest'],
          message: `more than one latest version of "${name}": ${latest.version} (line ${ctx.lineOf([...base(), latest.index, 'latest'])}) is latest too`,
          hint: 'keep "latest: true" on one version only',
        });
      } else {
        latest = { version: version ?? `#${j}`, index: j };
      }
    }
    checkImages(entry, path, problems);
    checkCommands(entry.commands, () => [...path(), 'commands'], problems);
    const requires = isRecord(entry.requires) ? entry.requires : undefined;
    if (requires !== undefined) {
      checkRequirements(requires.strong, () => [...path(), 'requires', 'strong'], problems);
      checkRequirements(requires.weak, () => [...path(), 'requires', 'weak'], problems);
    }
    checkRequirements(entry.influences, () => [...path(), 'influences'], problems);
    checkAccess(entry, path, problems);
    checkBill(entry, path, ctx, problems);
  }
}

/** What the schema cannot see: a size's minimum, and a capability named twice (`CAP_` or not). */
function checkAccess(entry: Record<string, unknown>, path: () => PathSegment[], problems: RawProblem[]) {
  const memory = isRecord(entry.resources) ? entry.resources.memory : undefined;
  if (typeof memory === 'string' && MEMORY_SIZE.test(memory)) {
    const problem = memorySizeProblem(memory, () => JSON.stringify(memory));
    if (problem) problems.push({ path: [...path(), 'resources', 'memory'], ...problem });
  }
  const capabilities = list(entry.capabilities);
  for (let k = 1; k < capabilities.length; k++) {
    const name = capabilities[k];
    if (typeof name !== 'string') continue;
    const same = normalizeCapability(name);
    for (let m = 0; m < k; m++) {
      const other = capabilities[m];
      if (typeof other !== 'string' || normalizeCapability(other) !== same) continue;
      problems.push({
        path: [...path(), 'capabilities', k],
        message: `capability "${same}" is listed twice`,
        severity: 'warning',
      });
      break;
    }
  }
}

function checkImage(ref: unknown, path: () => PathSegment[], problems: RawProblem[]) {
  if (typeof ref !== 'string') return;
  const problem = checkImageReference(ref);
  if (problem) problems.push({ path: path(), ...problem });
}

function checkImages(entry: Record<string, unknown>, path: () => PathSegment[], problems: RawProblem[]) {
  const hasImage = entry.image !== undefined;
  const hasImages = entry.images !== undefined;
  if (!hasImage && !hasImages) {
    problems.push({
      path: path(),
      missing: 'image',
      message: 'missing image',
      hint: 'give "image: REF" or "images: {amd64: REF, arm64: REF}"',
    });
  }
  if (hasImage && hasImages) {
    problems.push({ path: [...path(), 'images'], at: 'key', message: 'give either "image" or "images", not both' });
  }
  // image references are checked last, in this order: image, images.*, requirements.images[*]
  let arches: string[] | undefined;
  const images = isRecord(entry.images) ? entry.images : undefined;
  const declared = list(entry.architectures);
  if (images !== undefined) {
    arches = Object.keys(images);
    if (arches.length === 0)
      problems.push({ path: [...path(), 'images'], message: '"images" must list at least one architecture' });
    for (let k = 0; k < declared.length; k++) {
      const arch = declared[k];
      if (typeof arch === 'string' && !arches.includes(arch)) {
        problems.push({
          path: [...path(), 'architectures', k],
          message: `architecture "${arch}" has no image in "images"`,
          hint: `add images.${arch} or remove it from architectures`,
        });
      }
    }
  }
  for (let k = 0; k < declared.length; k++) {
    const arch = declared[k];
    if (declared.indexOf(arch) !== k) {
      problems.push({
        path: [...path(), 'architectures', k],
        message: `architecture "${String(arch)}" is listed twice`,
        severity: 'warning',
      });
    }
  }
  checkImage(entry.image, () => [...path(), 'image'], problems);
  if (images !== undefined && arches !== undefined) {
    for (const arch of arches) checkImage(images[arch], () => [...path(), 'images', arch], problems);
  }
  const requirements = isRecord(entry.requirements) ? entry.requirements : undefined;
  if (requirements !== undefined) {
    const refs = list(requirements.images);
    for (let k = 0; k < refs.length; k++) {
      const ref = refs[k];
      if (isRecord(ref)) checkImage(ref.image, () => [...path(), 'requirements', 'images', k, 'image'], problems);
      else checkImage(ref, () => [...path(), 'requirements', 'images', k], problems);
    }
  }
}

/** Files stored under one name twice, an image or package listed twice, a URL that does not parse. */
function checkBill(
  entry: Record<string, unknown>,
  path: () => PathSegment[],
  ctx: RuleContext,
  problems: RawProblem[],
) {
  const requirements = isRecord(entry.requirements) ? entry.requirements : undefined;
  if (requirements === undefined) return;
  const at = (kind: string, k: number, field?: string): PathSegment[] =>
    field === undefined ? [...path(), 'requirements', kind, k] : [...path(), 'requirements', kind, k, field];
  const files = list(requirements.files);
  const names = new Map<string, number>();
  for (let k = 0; k < files.length; k++) {
    const file = files[k];
    if (!isRecord(file)) continue;
    if (typeof file.url === 'string' && !URL.canParse(file.url)) {
      problems.push({
        path: at('files', k, 'url'),
        message: `${quote(file.url)} is not a URL`,
        hint: 'write e.g. https://host/path/file.tgz',
      });
    }
    if (typeof file.name !== 'string') continue;
    const first = names.get(file.name);
    if (first === undefined) names.set(file.name, k);
    else {
      problems.push({
        path: at('files', k, 'name'),
        message: `file name "${file.name}" is used twice (also at line ${ctx.lineOf(at('files', first, 'name'))})`,
        hint: 'each file is stored under its name; give the other one another name',
      });
    }
  }
  const images = list(requirements.images);
  const seenImages = new Map<string, number>();
  for (let k = 0; k < images.length; k++) {
    const item = images[k];
    const ref = isRecord(item) ? item.image : item;
    if (typeof ref !== 'string') continue;
    const arches = isRecord(item) && Array.isArray(item.architectures) ? item.architectures.join(',') : '*';
    const key = `${ref} ${arches}`;
    if (seenImages.has(key)) {
      problems.push({ path: at('images', k), message: `image ${quote(ref)} is listed twice`, severity: 'warning' });
    } else seenImages.set(key, k);
  }
  const packages = list(requirements.packages);
  const seenPackages = new Set<string>();
  for (let k = 0; k < packages.length; k++) {
    const item = packages[k];
    if (!isRecord(item) || typeof item.name !== 'string' || typeof item.os !== 'string') continue;
    const key = `${item.os} ${item.name} ${String(item.version)}`;
    if (seenPackages.has(key)) {
      problems.push({
        path: at('packages', k),
        message: `package "${item.name}" ${String(item.version)} for ${item.os} is listed twice`,
        severity: 'warning',
      });
    } else seenPackages.add(key);
  }
}

function checkCommands(commands: unknown, path: () => PathSegment[], problems: RawProblem[]) {
  if (!Array.isArray(commands)) return;
  const names = new Set<string>();
  for (let k = 0; k < commands.length; k++) {
    const command = commands[k];
    if (!isRecord(command)) continue;
    if (typeof command.name === 'string') {
      if (names.has(command.name)) {
        problems.push({ path: [...path(), k, 'name'], message: `duplicate command "${command.name}"` });
      } else {
        names.add(command.name);
      }
    }
    if (isRecord(command.envs)) {
      for (const env in command.envs) {
        if (RESERVED_ENVS.has(env)) {
          problems.push({
            path: [...path(), k, 'envs', env],
            at: 'key',
            message: `environment variable ${env} is set by e for every command`,
            hint: `remove it; e passes ${[...RESERVED_ENVS].join(', ')} itself (E_PLAN_FILE to plan only)`,
            severity: 'warning',
          });
        }
      }
    }
  }
  if (REQUIRED_COMMANDS.every((name) => names.has(name))) return;
  const missing = REQUIRED_COMMANDS.filter((name) => !names.has(name));
  problems.push({
    path: path(),
    message: `missing required command${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')}`,
    hint: `every module version must provide ${REQUIRED_COMMANDS.join(', ')}`,
  });
}

const NO_VALUES: readonly unknown[] = [];

function checkRequirements(requirements: unknown, path: () => PathSegment[], problems: RawProblem[]) {
  const all = list(requirements);
  for (let r = 0; r < all.length; r++) {
    const requirement = all[r];
    if (!Array.isArray(requirement)) continue;
    if (requirement.length === 0) {
      problems.push({
        path: [...path(), r],
        message: 'an empty requirement matches every module',
        severity: 'warning',
      });
    }
    for (let e = 0; e < requirement.length; e++) {
      const expression = requirement[e];
      if (!isRecord(expression) || typeof expression.operator !== 'string') continue;
      const operator = normalizeOperator(expression.operator);
      if (operator === undefined) continue;
      const values = expression.values;
      if (values !== undefined && !Array.isArray(values)) continue;
      const found = checkExpression(operator, values ?? NO_VALUES);
      if (found.length === 0) continue;
      const exprPath = [...path(), r, e];
      for (const problem of found) {
        const at =
          problem.at.field === 'value'
            ? [...exprPath, 'values', problem.at.index]
            : values === undefined
              ? exprPath
              : [...exprPath, 'values'];
        problems.push({ path: at, message: problem.message, ...(problem.hint ? { hint: problem.hint } : {}) });
      }
    }
  }
}
