import type * as Zod from 'zod';
import { DEFAULT_ACCESS } from '../runtime/run-access.js';
import { STRICT_SEMVER } from '../selector/compare.js';
import { LABEL_KEY_PATTERN } from '../selector/label-key.js';
import { OPERATOR_SPELLINGS } from '../selector/operators.js';
import { CAPABILITY_SPELLINGS } from './capabilities.js';
import { lazyRequire } from './lazy-require.js';
import { formatMemorySize, MEMORY_SIZE, MIN_MEMORY_BYTES } from './memory-size.js';
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

export {
  ABSOLUTE_PATH,
  ARCHITECTURE_ALIASES,
  ARCHITECTURES,
  COMMAND_NAME,
  COMPONENT_NAME,
  ENV_NAME,
} from './schema-patterns.js';

/*
 * zod is loaded on first use: a valid file passes the quick shape check (shape-check.ts) without
 * it, and only an invalid one, or `e repo schema`, needs the schema itself.
 */
const zod = lazyRequire<typeof Zod>('zod');

function build() {
  const z = zod();
  const labelKey = z.string().regex(new RegExp(LABEL_KEY_PATTERN));
  const requirementList = z
    .array(
      z
        .array(
          z.strictObject({
            key: labelKey.describe('label key to test, e.g. kind'),
            operator: z.enum(OPERATOR_SPELLINGS as [string, ...string[]]).describe('how to test it'),
            values: z
              .array(z.union([z.string(), z.record(z.string(), z.unknown())]))
              .optional()
              .describe('strings; for semver node-semver ranges; for logic one json-logic rule'),
          }),
        )
        .describe('one requirement: ALL its expressions must be met by ONE module'),
    )
    .describe('a list of requirements');
  const paths = z.array(z.string().regex(ABSOLUTE_PATH));
  const architectures = z.array(z.enum(ARCHITECTURES));
  const command = z.strictObject({
    name: z.string().regex(COMMAND_NAME).describe('metadata, init, plan, apply, audit, or an optional one'),
    description: z.string().optional(),
    command: z.string().min(1).describe('first word of the container command'),
    envs: z.record(z.string().regex(ENV_NAME), z.string()).optional().describe('environment variables'),
    args: z.array(z.string()).optional().describe('arguments after the command'),
  });
  const version = z.strictObject({
    version: z.string().regex(STRICT_SEMVER).describe('semver MAJOR.MINOR.PATCH; quote it if in doubt ("1.10.0")'),
    latest: z.boolean().optional().describe('the version installed by default; at most one per component'),
    image: z.string().optional().describe('image reference (tag or @sha256 digest), possibly a multi-arch index'),
    images: z
      .partialRecord(z.enum(ARCHITECTURES), z.string())
      .optional()
      .describe('one image per architecture, instead of image'),
    architectures: architectures.optional().describe('architectures this version runs on'),
    workdir: z.string().regex(ABSOLUTE_PATH).optional().describe('working directory inside the container'),
    mounts: paths.optional().describe('container paths the shared directory is mounted at'),
    labels: z
      .record(labelKey, z.union([z.string(), z.number(), z.boolean()]))
      .optional()
      .describe('labels that selectors match'),
    requires: z
      .strictObject({
        strong: requirementList.optional().describe('each must be met by an applied module'),
        weak: requirementList.optional().describe('applied first when present'),
      })
      .optional(),
    influences: requirementList.optional().describe('modules to re-plan after this one is applied'),
    requirements: z
      .strictObject({
        images: z
          .array(
            z.union([
              z.string().describe('image reference, needed on every architecture of the module'),
              z.strictObject({
                image: z.string().describe('image reference'),
                architectures: architectures.optional().describe('only on these architectures'),
              }),
            ]),
          )
          .optional()
          .describe('images the module needs besides its own (pulled on the site)'),
        files: z
          .array(
            z.strictObject({
              name: z.string().regex(FILE_NAME).describe('file name it is stored under, e.g. kafka_2.12-2.5.1.tgz'),
              url: z.string().regex(FILE_URL).describe('http(s) URL it is downloaded from'),
              sha256: z.string().regex(SHA256_HEX).describe('sha256 of its content: 64 lower-case hex digits'),
              size: z.int().min(0).optional().describe('size in bytes'),
              architectures: architectures.optional().describe('only on these architectures'),
            }),
          )
          .optional()
          .describe('files to download and check'),
        packages: z
          .array(
            z.strictObject({
              name: z.string().min(1).describe('package name, e.g. containerd'),
              version: z.string().min(1).describe('exact package version; quote it ("1.29")'),
              os: z.string().regex(OS_RELEASE).describe('operating system and release, e.g. debian-12'),
              architectures: architectures.optional().describe('only on these architectures'),
            }),
          )
          .optional()
          .describe("OS packages, fetched by the repository's downloader module"),
      })
      .optional()
      .describe('what the module needs on an air-gapped site (e requirements, e export)'),
    commands: z.array(command).describe('must include metadata, init, plan, apply and audit'),
    network: z.boolean().optional().describe(`network access for its containers; default: ${DEFAULT_ACCESS.network}`),
    capabilities: z
      .array(z.enum(CAPABILITY_SPELLINGS as [string, ...string[]]))
      .optional()
      .describe('Linux capabilities its containers get back after all are dropped; default: none'),
    resources: z
      .strictObject({
        memory: z
          .union([z.int().min(MIN_MEMORY_BYTES), z.string().regex(MEMORY_SIZE)])
          .optional()
          .describe(
            `memory limit: bytes, or k, M, G, Ki, Mi, Gi (512Mi); at least ${formatMemorySize(MIN_MEMORY_BYTES)}; default: ${formatMemorySize(DEFAULT_ACCESS.memoryBytes)}`,
          ),
        pids: z.int().min(1).optional().describe(`most processes and threads at once; default: ${DEFAULT_ACCESS.pids}`),
      })
      .optional()
      .describe('container limits'),
  });
  const component = z.strictObject({
    name: z.string().regex(COMPONENT_NAME).describe('module name: lower-case letters, digits and -'),
    type: z.literal('docker'),
    versions: z.array(version).min(1),
  });
  return z
    .strictObject({
      version: z.literal('v1'),
      kind: z.literal('Repository'),
      components: z.array(component),
    })
    .meta({
      title: 'e module repository',
      description: 'The index of modules e can install (docs/repository.md).',
    });
}

export type RepositorySchema = ReturnType<typeof build>;

let schema: RepositorySchema | undefined;

/** The zod schema of the repository file's shape (rules beyond shape live in rules.ts). */
export function repositorySchema(): RepositorySchema {
  schema ??= build();
  return schema;
}

/** The JSON Schema of the repository file, generated from the zod schema (`e repo schema`). */
export function repositoryJsonSchema(): Record<string, unknown> {
  return zod().toJSONSchema(repositorySchema(), { target: 'draft-2020-12' }) as Record<string, unknown>;
}
