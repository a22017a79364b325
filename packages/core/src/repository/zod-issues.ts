import type * as Zod from 'zod';
import { quote } from '../errors.js';
import { checkLabelKey } from '../selector/label-key.js';
import { OPERATOR_SPELLINGS } from '../selector/operators.js';
import { capabilityProblem } from './capabilities.js';
import { didYouMean } from './did-you-mean.js';
import { memorySizeProblem } from './memory-size.js';
import type { PathSegment } from './problem.js';
import { getIn, type RawProblem } from './raw-problem.js';
import { componentNameProblem, versionProblem } from './rules.js';
import { ARCHITECTURE_ALIASES, ARCHITECTURES } from './schema-patterns.js';

type Issue = Zod.core.$ZodIssue;

interface Context {
  data: unknown;
  schema: Zod.ZodType;
  describe(path: readonly PathSegment[]): string;
}

const EXPECTED: Readonly<Record<string, string>> = {
  string: 'a string',
  boolean: 'true or false',
  array: 'a list',
  object: 'a map',
  record: 'a map',
  number: 'a number',
};

/** The path without list indexes, e.g. `components.versions.requires.strong`. */
function shape(path: readonly PathSegment[]): string {
  return path.filter((segment) => typeof segment === 'string').join('.');
}

function lastName(path: readonly PathSegment[]): string {
  for (let i = path.length - 1; i >= 0; i--) if (typeof path[i] === 'string') return path[i] as string;
  return '';
}

/** The zod schema found at a data path (used for the fields a map allows). */
function schemaAt(root: Zod.ZodType, path: readonly PathSegment[]): Zod.ZodType | undefined {
  let node: unknown = root;
  const unwrap = () => {
    for (;;) {
      const def = (node as { _zod?: { def?: { type?: string; innerType?: unknown } } })._zod?.def;
      if (def?.type === 'optional' || def?.type === 'default' || def?.type === 'nullable') node = def.innerType;
      else
        return def as
          | { type?: string; shape?: Record<string, unknown>; element?: unknown; valueType?: unknown }
          | undefined;
    }
  };
  for (const segment of path) {
    const def = unwrap();
    if (def?.type === 'object' && typeof segment === 'string') node = def.shape?.[segment];
    else if (def?.type === 'array') node = def.element;
    else if (def?.type === 'record') node = def.valueType;
    else return undefined;
    if (node === undefined) return undefined;
  }
  unwrap();
  return node as Zod.ZodType;
}

function fieldsOf(schema: Zod.ZodType | undefined): string[] {
  const def = (schema as { _zod?: { def?: { type?: string; shape?: Record<string, unknown> } } } | undefined)?._zod
    ?.def;
  return def?.type === 'object' && def.shape ? Object.keys(def.shape) : [];
}

function suggestion(
  input: string,
  candidates: readonly string[],
  aliases: Readonly<Record<string, string>> = {},
): string | undefined {
  const alias = aliases[input.toLowerCase()];
  return alias ?? didYouMean(input, candidates);
}

function isRequirementPath(path: readonly PathSegment[]): boolean {
  const s = shape(path);
  return /(requires\.(strong|weak)|influences)$/.test(s) && typeof path[path.length - 1] === 'number';
}

/** A requirement's file name, URL, sha256 or OS release that does not have its form. */
function billFormatProblem(where: string, input: string): { message: string; hint?: string } | undefined {
  switch (where) {
    case 'components.versions.requirements.files.sha256': {
      const bare = input.replace(/^sha256:/i, '').toLowerCase();
      const fixed = /^[a-f0-9]{64}$/.test(bare) ? `write "${bare}"` : 'run sha256sum FILE and copy its 64 hex digits';
      return { message: `sha256 ${quote(input)} is not 64 lower-case hex digits`, hint: fixed };
    }
    case 'components.versions.requirements.files.name':
      return {
        message: `file name ${quote(input)} is not a plain file name`,
        hint: 'use letters, digits, ".", "_", "+", "~" and "-", no "/", not starting with "." or "-"',
      };
    case 'components.versions.requirements.files.url':
      return { message: `${quote(input)} is not an http or https URL`, hint: 'write e.g. https://host/path/file.tgz' };
    case 'components.versions.requirements.packages.os':
      return {
        message: `${quote(input)} does not name an operating system release`,
        hint: 'write the system and its release, e.g. debian-12, ubuntu-22.04, rhel-9',
      };
    default:
      return undefined;
  }
}

/** One zod issue as problems a person can act on (zod's own messages are not meant for users). */
export function fromZodIssue(issue: Issue, ctx: Context): RawProblem[] {
  const path = issue.path as PathSegment[];
  const value = getIn(ctx.data, path);
  const name = lastName(path);
  const where = shape(path);

  if (issue.code === 'unrecognized_keys') {
    const isImages = name === 'images';
    const allowed = isImages ? [...ARCHITECTURES] : fieldsOf(schemaAt(ctx.schema, path));
    return issue.keys.map((key) => {
      const guess = suggestion(key, allowed, isImages ? ARCHITECTURE_ALIASES : {});
      return {
        path: [...path, key],
        at: 'key' as const,
        ...(guess ? { suggests: guess } : {}),
        message: `${isImages ? 'unknown architecture' : 'unknown field'} ${quote(key)}${guess ? ` — did you mean "${guess}"?` : ''}`,
        hint: `${isImages ? 'architectures' : 'allowed fields here'}: ${allowed.join(', ')}`,
      };
    });
  }

  if (
    value === undefined &&
    (issue.code === 'invalid_type' || issue.code === 'invalid_value' || issue.code === 'invalid_union')
  ) {
    const parent = path.slice(0, -1);
    const hints: Record<string, string> = {
      version:
        where === 'version'
          ? 'the first line of a repository file is "version: v1"'
          : where.endsWith('requirements.packages.version')
            ? 'write the exact package version, e.g. version: "1.29.4-1.1"'
            : 'write the version, e.g. version: "0.1.0"',
      kind: 'add "kind: Repository"',
      commands: 'list the commands metadata, init, plan, apply and audit',
      operator: `operators: ${OPERATOR_SPELLINGS.join(', ')}`,
    };
    return [
      {
        path: parent,
        missing: name,
        message: `missing required field ${quote(name)}`,
        ...(hints[name] ? { hint: hints[name] } : {}),
      },
    ];
  }

  const got = () => ctx.describe(path);
  const input = typeof value === 'string' ? value : undefined;

  // whatever zod found wrong (a type, a pattern, a bound), the value itself says best what is meant
  if (where === 'components.versions.capabilities' && typeof path[path.length - 1] === 'number') {
    return [{ path, ...capabilityProblem(value, got) }];
  }
  if (where === 'components.versions.resources.memory') {
    const problem = memorySizeProblem(value, got);
    if (problem) return [{ path, ...problem }];
  }
  if (where === 'components.versions.resources.pids') {
    return [
      {
        path,
        message: `"pids" must be a positive integer, got ${got()}`,
        hint: 'the most processes and threads its containers may have at once, e.g. 256',
      },
    ];
  }

  switch (issue.code) {
    case 'invalid_value': {
      if (name === 'operator' && input !== undefined) {
        const guess = suggestion(input, OPERATOR_SPELLINGS);
        return [
          {
            path,
            message: `unknown operator ${quote(input)}${guess ? ` — did you mean "${guess}"?` : ''}`,
            hint: `operators: ${OPERATOR_SPELLINGS.join(', ')}`,
          },
        ];
      }
      if (where.endsWith('architectures') && input !== undefined) {
        const guess = suggestion(input, ARCHITECTURES, ARCHITECTURE_ALIASES);
        return [
          {
            path,
            message: `unknown architecture ${quote(input)}${guess ? ` — did you mean "${guess}"?` : ''}`,
            hint: `architectures: ${ARCHITECTURES.join(', ')}`,
          },
        ];
      }
      if (where === 'components.type') {
        return [{ path, message: `unsupported component type ${got()}`, hint: 'the only type is "docker"' }];
      }
      if (where === 'version') {
        return [{ path, message: `unsupported repository format version ${got()}`, hint: 'write "version: v1"' }];
      }
      if (where === 'kind') {
        return [{ path, message: `kind must be "Repository", got ${got()}`, hint: 'write "kind: Repository"' }];
      }
      const values = (issue as { values?: unknown[] }).values ?? [];
      return [{ path, message: `expected one of ${values.map((v) => JSON.stringify(v)).join(', ')}, got ${got()}` }];
    }
    case 'invalid_type': {
      if (issue.expected === 'array' && isRequirementPath(path)) {
        return [
          {
            path,
            message: `expected a requirement (a list of expressions), got ${got()}`,
            hint: 'each requirement is a list of expressions that ONE module must meet: write "- - {key: kind, operator: eq, values: [db]}"',
          },
        ];
      }
      const expected = EXPECTED[issue.expected] ?? issue.expected;
      return [{ path, message: `${name === '' ? 'the file' : quote(name)} must be ${expected}, got ${got()}` }];
    }
    case 'invalid_union': {
      // a required image written as a map: what is wrong inside the map, not "unexpected value"
      if (where === 'components.versions.requirements.images' && typeof value === 'object' && value !== null) {
        const inner = (issue as { errors?: Issue[][] }).errors?.[1] ?? [];
        if (inner.length > 0) {
          return inner.flatMap((sub) => fromZodIssue({ ...sub, path: [...path, ...sub.path] } as Issue, ctx));
        }
      }
      if (lastName(path.slice(0, -1)) === 'labels') {
        return [{ path, message: `label ${quote(name)} must be a string, number or boolean, got ${got()}` }];
      }
      if (where.endsWith('values')) {
        return [{ path, message: `expected a string (or, for operator logic, a json-logic rule), got ${got()}` }];
      }
      return [{ path, message: `${quote(name)} has an unexpected value: ${got()}` }];
    }
    case 'invalid_format': {
      if (input === undefined) break;
      if (where === 'components.name') return [{ path, ...componentNameProblem(input) }];
      if (where === 'components.versions.version') return [{ path, ...versionProblem(input) }];
      if (name === 'key') return [{ path, ...checkLabelKey(input)! }];
      if (name === 'workdir' || where.endsWith('mounts')) {
        return [
          {
            path,
            message: `${quote(input)} must be an absolute path inside the container`,
            hint: 'start it with "/"',
          },
        ];
      }
      const bill = billFormatProblem(where, input);
      if (bill) return [{ path, ...bill }];
      if (where.endsWith('commands.name')) {
        return [
          {
            path,
            message: `invalid command name ${quote(input)}`,
            hint: 'use lower-case letters, digits and "-"',
          },
        ];
      }
      break;
    }
    case 'invalid_key': {
      const key = String(path[path.length - 1]);
      const parentName = lastName(path.slice(0, -1));
      if (parentName === 'labels') return [{ path, at: 'key', ...checkLabelKey(key)! }];
      if (parentName === 'envs') {
        return [
          {
            path,
            at: 'key',
            message: `invalid environment variable name ${quote(key)}`,
            hint: 'use letters, digits and "_", not starting with a digit',
          },
        ];
      }
      return [{ path, at: 'key', message: `invalid key ${quote(key)}` }];
    }
    case 'too_small': {
      if (where === 'components.versions') return [{ path, message: 'a component needs at least one version' }];
      return [{ path, message: `${quote(name)} must not be empty` }];
    }
    default:
      break;
  }
  return [{ path, message: `${name === '' ? 'value' : quote(name)} is invalid: ${issue.message}` }];
}
