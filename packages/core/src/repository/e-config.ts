import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import type * as Zod from 'zod';
import { RepositoryError } from '../errors.js';
import { parsePlatform } from '../runtime/platform.js';
import { didYouMean } from './did-you-mean.js';
import { lazyRequire } from './lazy-require.js';
import { compareProblems, formatPath, formatProblem, type PathSegment, type Problem } from './problem.js';
import { readYaml } from './yaml-source.js';

/** The file of a team's defaults, next to the repository file. */
export const E_CONFIG_FILE = 'e.yml';

/**
 * `e.yml`: defaults a team commits next to `repository.yml` instead of exporting variables.
 * Flags win over environment variables, which win over this file, which wins over e's defaults.
 */
export interface EConfig {
  /** Absolute path of the file read. */
  file: string;
  /** The repository file or URL; a relative path is relative to e.yml's directory (made absolute here). */
  repository?: string;
  /** Where the state lives (`postgres://...`); unset: the shared directory. */
  state?: string;
  /** The named environment within the state backend. */
  env?: string;
  /** The platform modules run on (`linux/amd64`). */
  platform?: string;
  /** The Docker engine (`unix:///...`, `tcp://host:port`, `ssh://user@host`). */
  engine?: string;
  output?: 'text' | 'json' | 'yaml';
  /** Modules to choose when several could meet a requirement (`e module install --prefer`). */
  prefer?: string[];
}

export const ENGINE_URL = /^(unix|tcp|ssh|https?|npipe):\/\/\S+$/i;

const FIELDS = ['repository', 'state', 'env', 'platform', 'engine', 'output', 'prefer'] as const;

const ENV_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

// zod is loaded only to explain an e.yml that `plainConfig` does not accept, and for the JSON
// Schema: every command reads e.yml, and loading zod costs more than the rest of `e status`.
const zod = lazyRequire<typeof Zod>('zod');

export function configSchema() {
  const { z } = zod();
  return z
    .object({
      repository: z.string().min(1).describe('the repository file (relative to e.yml) or URL'),
      state: z.string().min(1).describe('where the state lives: postgres://user@host:port/db?schema=e'),
      env: z.string().regex(ENV_NAME).describe('the named environment within the state backend'),
      platform: z.string().min(1).describe('the platform modules run on, os/arch such as linux/amd64'),
      engine: z
        .string()
        .regex(ENGINE_URL)
        .describe('the Docker engine: unix:///path, tcp://host:port or ssh://user@host'),
      output: z.enum(['text', 'json', 'yaml']).describe('the output format'),
      prefer: z.array(z.string().min(1)).describe('modules to choose when several could meet a requirement'),
    })
    .partial()
    .strict();
}

/** The JSON Schema of e.yml (docs/e-config.schema.json), for editors. */
export function eConfigJsonSchema(): Record<string, unknown> {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'e.yml',
    description: "A team's defaults for e, next to the repository file; flags and environment variables win over it.",
    ...(zod().z.toJSONSchema(configSchema()) as Record<string, unknown>),
  };
}

const nonEmpty = (value: unknown) => typeof value === 'string' && value.length > 0;

/**
 * Whether e.yml's settings are plainly valid, without zod: only what the schema accepts, so a
 * false here just lets the schema find (and explain) the problems.
 */
export function plainConfig(data: object): boolean {
  return Object.entries(data).every(([key, value]) => {
    switch (key) {
      case 'repository':
      case 'state':
      case 'platform':
        return nonEmpty(value);
      case 'env':
        return typeof value === 'string' && ENV_NAME.test(value);
      case 'engine':
        return typeof value === 'string' && ENGINE_URL.test(value);
      case 'output':
        return value === 'text' || value === 'json' || value === 'yaml';
      case 'prefer':
        return Array.isArray(value) && value.every(nonEmpty);
      default:
        return false;
    }
  });
}

/** Where e looks for e.yml: next to a local repository file, else in the working directory. */
export function eConfigPath(repository: string | undefined, cwd = process.cwd()): string {
  if (repository === undefined || /^[a-z][a-z0-9+.-]*:\/\//i.test(repository)) return resolve(cwd, E_CONFIG_FILE);
  return resolve(cwd, dirname(repository), E_CONFIG_FILE);
}

/**
 * Reads and validates e.yml; undefined when the file does not exist. A problem is refused with
 * one sentence `file:line:col path: message` (every problem in `details`).
 */
export async function loadEConfig(file: string): Promise<EConfig | undefined> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8'); // as the repository file (load-repository.ts)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new RepositoryError('E_CONFIG_INVALID', `Cannot read ${file}: ${(error as Error).message}.`);
  }
  return parseEConfig(text, file);
}

/** Validates the text of e.yml (`file` names it in problems and anchors relative paths). */
export function parseEConfig(text: string, file: string): EConfig {
  const yaml = readYaml(text);
  const name = file;
  const problems: Problem[] = yaml.problems
    .filter((p) => p.severity === 'error')
    .map((p) => ({ file: name, path: '', ...p }));
  const at = (path: readonly PathSegment[], message: string, hint?: string, where: 'key' | 'value' = 'value') => {
    problems.push({
      file: name,
      ...yaml.locate(path, where),
      path: formatPath(path),
      message,
      ...(hint === undefined ? {} : { hint }),
      severity: 'error',
    });
  };
  const data = yaml.data ?? null;
  if (problems.length === 0 && data !== null && (typeof data !== 'object' || Array.isArray(data))) {
    at([], `e.yml must be a map of settings, not ${yaml.describe([])}`, `use keys such as ${FIELDS.join(', ')}`);
  }
  if (problems.length === 0 && data !== null) {
    const parsed = plainConfig(data)
      ? { success: true as const, data: data as EConfig }
      : configSchema().safeParse(data);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
        if (issue.code === 'unrecognized_keys') {
          for (const key of issue.keys) {
            const guess = didYouMean(key, FIELDS);
            at(
              [...path, key],
              `unknown setting "${key}"`,
              guess ? `did you mean ${guess}?` : `e.yml knows ${FIELDS.join(', ')}`,
              'key',
            );
          }
        } else {
          at(path, fieldMessage(path, issue.code, yaml.describe(path)));
        }
      }
    } else if (parsed.data.platform !== undefined) {
      try {
        parsePlatform(parsed.data.platform, 'platform');
      } catch (error) {
        at(['platform'], (error as Error).message.replace(/\.$/, ''));
      }
    }
  }
  if (problems.length > 0) {
    problems.sort(compareProblems);
    const first = problems[0] as Problem;
    const more =
      problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : '';
    throw new RepositoryError('E_CONFIG_INVALID', `${formatProblem({ ...first, hint: undefined })}${more}.`, {
      hint: first.hint ?? 'Fix e.yml, or move it away to use the flags and environment variables alone.',
      details: { problems },
    });
  }
  const config = (data ?? {}) as Omit<EConfig, 'file'>;
  const repository =
    config.repository !== undefined &&
    !/^[a-z][a-z0-9+.-]*:\/\//i.test(config.repository) &&
    !isAbsolute(config.repository)
      ? resolve(dirname(file), config.repository)
      : config.repository;
  return { ...config, ...(repository === undefined ? {} : { repository }), file };
}

function fieldMessage(path: readonly PathSegment[], code: string, got: string): string {
  const field = path[0];
  switch (field) {
    case 'env':
      return code === 'invalid_format'
        ? `${got} is not an environment name; use letters, digits, ".", "_" and "-"`
        : `must be an environment name, not ${got}`;
    case 'engine':
      return `${got} is not an engine URL; use unix:///var/run/docker.sock, tcp://host:port or ssh://user@host`;
    case 'output':
      return `must be text, json or yaml, not ${got}`;
    case 'prefer':
      return `must be a list of module names, not ${got}`;
    default:
      return `must be a non-empty string, not ${got}`;
  }
}
