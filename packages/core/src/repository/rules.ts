import { checkExpression } from '../selector/check-expression.js';
import { asVersion, STRICT_SEMVER } from '../selector/compare.js';
import { normalizeOperator } from '../selector/operators.js';
import { checkImageReference } from './image-reference.js';
import { REQUIRED_COMMANDS, RESERVED_STATE_KEY } from './model.js';
import type { PathSegment } from './problem.js';
import type { RawProblem } from './raw-problem.js';

/** Variables e sets for every module command; a repository cannot override them. */
const RESERVED_ENVS = new Set(['E_MODULE', 'E_VERSION', 'E_COMMAND', 'E_SHARED', 'E_STATE', 'E_PLATFORM']);

type Found = { message: string; hint?: string };

export function componentNameProblem(name: string): Found {
  const quoted = JSON.stringify(name);
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
  const quoted = JSON.stringify(version);
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

/**
 * The rules beyond shape: duplicates, more than one latest, reserved names, image references,
 * required commands, operator arity and values. Works on raw data that may be partly malformed
 * (shape problems are reported by the schema), so every access is guarded.
 */
export function checkRules(data: unknown, ctx: RuleContext): RawProblem[] {
  const problems: RawProblem[] = [];
  if (!isRecord(data)) return problems;
  const seenNames = new Map<string, number>();
  list(data.components).forEach((component, i) => {
    if (!isRecord(component)) return;
    const base: PathSegment[] = ['components', i];
    const name = typeof component.name === 'string' ? component.name : undefined;
    if (name !== undefined) {
      if (name === RESERVED_STATE_KEY) {
        problems.push({
          path: [...base, 'name'],
          message: `component name "${name}" is reserved`,
          hint: `"${RESERVED_STATE_KEY}" is the state's key for e's own records; choose another name`,
        });
      }
      const first = seenNames.get(name);
      if (first === undefined) seenNames.set(name, i);
      else {
        problems.push({
          path: [...base, 'name'],
          message: `duplicate component "${name}" (first defined at line ${ctx.lineOf(['components', first, 'name'])})`,
          hint: 'list all versions of a module under one component',
        });
      }
    }
    checkVersions(component.versions, [...base, 'versions'], name ?? `components[${i}]`, ctx, problems);
  });
  return problems;
}

function checkVersions(versions: unknown, base: PathSegment[], name: string, ctx: RuleContext, problems: RawProblem[]) {
  // semver precedence ignores build metadata, so 1.0.0 and 1.0.0+b are the same version
  const seen = new Map<string, number>();
  let latest: { version: string; index: number } | undefined;
  list(versions).forEach((entry, j) => {
    if (!isRecord(entry)) return;
    const path = [...base, j];
    const version = typeof entry.version === 'string' ? entry.version : undefined;
    if (version !== undefined && STRICT_SEMVER.test(version)) {
      const id = version.split('+')[0]!;
      const same = seen.get(id);
      if (same !== undefined) {
        problems.push({
          path: [...path, 'version'],
          message: `duplicate version "${version}" of "${name}" (also at line ${ctx.lineOf([...base, same, 'version'])})`,
          hint: 'each version of a component must be different',
        });
      } else {
        seen.set(id, j);
      }
    }
    if (entry.latest === true) {
      if (latest) {
        problems.push({
          path: [...path, 'latest'],
          message: `more than one latest version of "${name}": ${latest.version} (line ${ctx.lineOf([...base, latest.index, 'latest'])}) is latest too`,
          hint: 'keep "latest: true" on one version only',
        });
      } else {
        latest = { version: version ?? `#${j}`, index: j };
      }
    }
    checkImages(entry, path, problems);
    checkCommands(entry.commands, [...path, 'commands'], problems);
    const requires = isRecord(entry.requires) ? entry.requires : {};
    checkRequirements(requires.strong, [...path, 'requires', 'strong'], problems);
    checkRequirements(requires.weak, [...path, 'requires', 'weak'], problems);
    checkRequirements(entry.influences, [...path, 'influences'], problems);
  });
}

function checkImages(entry: Record<string, unknown>, path: PathSegment[], problems: RawProblem[]) {
  const hasImage = entry.image !== undefined;
  const hasImages = entry.images !== undefined;
  if (!hasImage && !hasImages) {
    problems.push({
      path,
      missing: 'image',
      message: 'missing image',
      hint: 'give "image: REF" or "images: {amd64: REF, arm64: REF}"',
    });
  }
  if (hasImage && hasImages) {
    problems.push({ path: [...path, 'images'], at: 'key', message: 'give either "image" or "images", not both' });
  }
  const refs: [PathSegment[], unknown][] = [[[...path, 'image'], entry.image]];
  if (isRecord(entry.images)) {
    const arches = Object.keys(entry.images);
    if (arches.length === 0)
      problems.push({ path: [...path, 'images'], message: '"images" must list at least one architecture' });
    for (const arch of arches) refs.push([[...path, 'images', arch], entry.images[arch]]);
    list(entry.architectures).forEach((arch, k) => {
      if (typeof arch === 'string' && !arches.includes(arch)) {
        problems.push({
          path: [...path, 'architectures', k],
          message: `architecture "${arch}" has no image in "images"`,
          hint: `add images.${arch} or remove it from architectures`,
        });
      }
    });
  }
  const declared = list(entry.architectures);
  declared.forEach((arch, k) => {
    if (declared.indexOf(arch) !== k) {
      problems.push({
        path: [...path, 'architectures', k],
        message: `architecture "${String(arch)}" is listed twice`,
        severity: 'warning',
      });
    }
  });
  const requirements = isRecord(entry.requirements) ? entry.requirements : {};
  list(requirements.images).forEach((ref, k) => {
    refs.push([[...path, 'requirements', 'images', k], ref]);
  });
  for (const [refPath, ref] of refs) {
    if (typeof ref !== 'string') continue;
    const problem = checkImageReference(ref);
    if (problem) problems.push({ path: refPath, ...problem });
  }
}

function checkCommands(commands: unknown, path: PathSegment[], problems: RawProblem[]) {
  if (!Array.isArray(commands)) return;
  const names = new Map<string, number>();
  commands.forEach((command, k) => {
    if (!isRecord(command)) return;
    if (typeof command.name === 'string') {
      if (names.has(command.name)) {
        problems.push({ path: [...path, k, 'name'], message: `duplicate command "${command.name}"` });
      } else {
        names.set(command.name, k);
      }
    }
    if (isRecord(command.envs)) {
      for (const env of Object.keys(command.envs)) {
        if (RESERVED_ENVS.has(env)) {
          problems.push({
            path: [...path, k, 'envs', env],
            at: 'key',
            message: `environment variable ${env} is set by e for every command`,
            hint: 'remove it; e passes E_MODULE, E_VERSION, E_COMMAND, E_SHARED, E_STATE and E_PLATFORM itself',
            severity: 'warning',
          });
        }
      }
    }
  });
  const missing = REQUIRED_COMMANDS.filter((name) => !names.has(name));
  if (missing.length > 0) {
    problems.push({
      path,
      message: `missing required command${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')}`,
      hint: `every module version must provide ${REQUIRED_COMMANDS.join(', ')}`,
    });
  }
}

function checkRequirements(requirements: unknown, path: PathSegment[], problems: RawProblem[]) {
  list(requirements).forEach((requirement, r) => {
    if (!Array.isArray(requirement)) return;
    if (requirement.length === 0) {
      problems.push({ path: [...path, r], message: 'an empty requirement matches every module', severity: 'warning' });
    }
    requirement.forEach((expression, e) => {
      if (!isRecord(expression) || typeof expression.operator !== 'string') return;
      const operator = normalizeOperator(expression.operator);
      if (operator === undefined) return;
      if (expression.values !== undefined && !Array.isArray(expression.values)) return;
      const exprPath = [...path, r, e];
      for (const problem of checkExpression(operator, list(expression.values))) {
        const at =
          problem.at.field === 'value'
            ? [...exprPath, 'values', problem.at.index]
            : expression.values === undefined
              ? exprPath
              : [...exprPath, 'values'];
        problems.push({ path: at, message: problem.message, ...(problem.hint ? { hint: problem.hint } : {}) });
      }
    });
  });
}
