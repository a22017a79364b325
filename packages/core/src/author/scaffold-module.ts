import { REQUIRED_COMMANDS } from '../repository/model.js';

export interface ScaffoldOptions {
  /** The module name: [a-z0-9-], starting with a letter. */
  name: string;
  version: string;
  /** The image the repository entry names, e.g. localhost:5000/modules/greeter:0.1.0. */
  image: string;
}

export interface Scaffold {
  /** Path relative to the module directory → content. */
  files: Record<string, string>;
  /** The component entry for the repository file, indented as an item of `components:`. */
  entry: string;
}

const NAME = /^[a-z][a-z0-9-]*$/;
const RESERVED = new Set(['e']);

/** Why `name` cannot be a module name, or undefined when it can. */
export function checkModuleName(name: string): string | undefined {
  if (!NAME.test(name) || name.endsWith('-')) {
    return `"${name}" is not a module name: use lower-case letters, digits and dashes, starting with a letter (e.g. greeter)`;
  }
  if (RESERVED.has(name)) return `"${name}" is reserved for e's own records in state.yml`;
  return undefined;
}

/**
 * The files of a new module that passes `e module validate` as generated: SDK code with a config,
 * a state section and a mocked remote, the default Dockerfile, and test cases (one of them the
 * conformance case). Pure: the caller writes the files.
 */
export function scaffoldModule(options: ScaffoldOptions): Scaffold {
  const { name, version } = options;
  const files: Record<string, string> = {
    'package.json': `${JSON.stringify(
      {
        name: `@e-modules/${name}`,
        version,
        private: true,
        type: 'module',
        description: `e module: ${name}`,
        e: { versions: [version] },
        dependencies: { '@e/module-sdk': '0.1.0', zod: '^4.1.0' },
      },
      null,
      2,
    )}\n`,
    'src/index.ts': moduleSource(name, version),
    Dockerfile: DOCKERFILE,
    'tests/init-writes-config.yml': CONFORMANCE_CASE.replaceAll('NAME', name),
    'tests/plan-is-idempotent.yml': IDEMPOTENT_CASE.replaceAll('NAME', name),
    'tests/audit-finds-manual-change.yml': AUDIT_CASE.replaceAll('NAME', name),
  };
  return { files, entry: repositoryEntry(options) };
}

function repositoryEntry({ name, version, image }: ScaffoldOptions): string {
  const describe: Record<string, string> = {
    init: 'writes a meaningful config from the state',
    plan: 'shows what apply would change',
    apply: 'does the work and updates the state',
    audit: 'checks the mocked remote against the state',
  };
  const commands = [...REQUIRED_COMMANDS, 'destroy'].map((c) => {
    const text = c === 'destroy' ? 'removes what apply created' : describe[c];
    return `          - {name: ${c},${text ? ` description: "${text}",` : ''} command: ${c}}`;
  });
  return [
    `  - name: ${name}`,
    '    type: docker',
    '    versions:',
    `      - version: "${version}"`,
    '        latest: true',
    `        image: ${image}`,
    '        architectures: [amd64, arm64]',
    '        workdir: /shared',
    '        mounts: [/shared]',
    `        labels: {version: "${version}", kind: example}`,
    '        commands:',
    ...commands,
    '',
  ].join('\n');
}

function camel(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

function moduleSource(name: string, version: string): string {
  const id = camel(name);
  return `import { defineModule, diffFiles, diffValues, main, statusSchema } from '@e/module-sdk';
import { z } from 'zod';

/** What init writes to <shared>/${name}-config.yml (under \`${name}:\`); a person may edit it before plan. */
const configSchema = z.strictObject({
  replicas: z.number().int().min(1),
  message: z.string().min(1),
});
type Config = z.infer<typeof configSchema>;

/** This module's section of state.yml: \`status\` is required by the module contract. */
const sectionSchema = z.looseObject({
  status: statusSchema,
  replicas: z.number().int().optional(),
  message: z.string().optional(),
});
type Section = z.infer<typeof sectionSchema>;

/** The section apply leaves for a config. */
function desired(config: Config): Section {
  return { status: 'applied', replicas: config.replicas, message: config.message };
}

/**
 * The mocked remote (<shared>/${name}/remote/): what apply would put on real machines. A module
 * writes only its state section, ${name}-config.yml and files under ${name}/; e refuses anything else.
 */
function remote(section: Section | undefined): Record<string, string> {
  if (section?.status !== 'applied') return {};
  return { 'settings.conf': \`replicas=\${section.replicas}\\nmessage=\${section.message}\\n\` };
}

export const ${id} = defineModule({
  name: '${name}',
  defaultVersion: '${version}', // the image sets E_MODULE_IMAGE_VERSION, which wins
  // must equal labels/requires/influences of the repository entry (e module validate checks it)
  metadata: (version) => ({ labels: { version, kind: 'example' } }),
  config: configSchema,
  section: sectionSchema,
  // a meaningful config from the state; keeps what an earlier apply chose
  init: (ctx) => ({
    config: { replicas: ctx.section?.replicas ?? 1, message: ctx.section?.message ?? \`hello from \${ctx.module}\` },
  }),
  // changes between the state and what apply would leave: exit 2 when any, 0 when none
  plan: (ctx) => ({ changes: diffValues(ctx.section, desired(ctx.config), ctx.module) }),
  apply: (ctx) => {
    const section = desired(ctx.config);
    return { section, remote: remote(section) };
  },
  // what differs between the remote and what the state says: exit 3 when any
  audit: (ctx) => ({ drift: diffFiles(remote(ctx.section), ctx.remote) }),
  commands: {
    destroy: () => ({ section: { status: 'destroyed' as const }, remote: {} }),
  },
});

void main(${id});
`;
}

const DOCKERFILE = `# The image pipeline (scripts/build-images.mjs) builds this for linux/amd64 and linux/arm64.
ARG BASE
FROM \${BASE}
ARG MODULE_VERSION
ENV E_MODULE_IMAGE_VERSION=\${MODULE_VERSION}
COPY . /module/
WORKDIR /shared
ENTRYPOINT ["node", "/module/module.mjs"]
`;

const CONFORMANCE_CASE = `description: init on the mocked platform writes the default config (e module validate uses this given)
# \`given\` is the mocked state e module validate runs init -> plan -> apply -> plan -> audit on:
# put the sections of the modules NAME needs here (e.g. an applied azi).
conformance: true
given:
  state:
    other: { status: applied }
run: { command: init }
expect:
  exitCode: 0
  state:
    NAME: { status: initialized }
    other: { status: applied }
  files:
    NAME-config.yml:
      NAME: { replicas: 1, message: hello from NAME }
`;

const IDEMPOTENT_CASE = `description: init -> plan (changes) -> apply -> plan (no changes) -> audit (clean)
run:
  - command: init
  - { command: plan, exitCode: 2 }
  - command: apply
  - command: plan
  - command: audit
expect:
  exitCode: 0
  state:
    NAME: { status: applied, replicas: 1, message: hello from NAME }
  files:
    NAME/remote/settings.conf: |
      replicas=1
      message=hello from NAME
`;

const AUDIT_CASE = `description: a setting changed by hand on the (mocked) remote is drift
given:
  state:
    NAME: { status: applied, replicas: 1, message: hello from NAME }
  files:
    NAME/remote/settings.conf: |
      replicas=3
      message=hello from NAME
run: { command: audit }
expect:
  exitCode: 3
  stdout: ["settings.conf"]
`;
