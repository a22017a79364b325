import { REQUIRED_COMMANDS } from '../repository/model.js';

export type ScaffoldTemplate = 'node' | 'shell';

export const SCAFFOLD_TEMPLATES: readonly ScaffoldTemplate[] = ['node', 'shell'];

export interface ScaffoldOptions {
  /** The module name: [a-z0-9-], starting with a letter. */
  name: string;
  version: string;
  /** The image the repository entry names, e.g. localhost:5000/modules/greeter:0.1.0. */
  image: string;
  /** node: TypeScript with @e/module-sdk (default); shell: POSIX sh, no dependencies. */
  template?: ScaffoldTemplate;
  /** The default of the Dockerfile's `ARG BASE`: e's base image, e.g. localhost:5000/e/base-node:0.1.0. */
  base: string;
  /** The `@e/module-sdk` dependency of a node module: its exact version in e's workspace, `^version` elsewhere. */
  sdk: string;
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
 * A standalone module project that builds (`e module build`), tests and validates as generated,
 * inside e's repository or anywhere else: the module (SDK code, or a POSIX sh script), its
 * Dockerfile on e's base image, test cases (one of them the conformance case) and a README. The
 * two templates behave alike, so they share the cases. Pure: the caller writes the files.
 */
export function scaffoldModule(options: ScaffoldOptions): Scaffold {
  const { name } = options;
  const template = options.template ?? 'node';
  const cases = {
    'tests/init-writes-config.yml': CONFORMANCE_CASE.replaceAll('NAME', name),
    'tests/plan-is-idempotent.yml': IDEMPOTENT_CASE.replaceAll('NAME', name),
    'tests/audit-finds-manual-change.yml': AUDIT_CASE.replaceAll('NAME', name),
  };
  const files: Record<string, string> =
    template === 'shell'
      ? {
          Dockerfile: shellDockerfile(options),
          '.dockerignore': '# only what the image needs\n*\n!module.sh\n',
          'module.sh': SHELL_MODULE.replaceAll('__NAME__', name).replaceAll('__VERSION__', options.version),
          'README.md': readme(options, template),
          ...cases,
        }
      : {
          'package.json': packageJson(options),
          'src/index.ts': moduleSource(name, options.version),
          Dockerfile: nodeDockerfile(options),
          '.dockerignore': '# only what the image needs: the bundle e module build writes\n*\n!dist/module.mjs\n',
          '.gitignore': 'node_modules/\ndist/\n',
          'tsconfig.json': TSCONFIG,
          'README.md': readme(options, template),
          ...cases,
        };
  return { files, entry: repositoryEntry(options) };
}

function packageJson({ name, version, sdk }: ScaffoldOptions): string {
  return `${JSON.stringify(
    {
      name: `@e-modules/${name}`,
      version,
      private: true,
      type: 'module',
      description: `e module: ${name}`,
      e: { versions: [version] },
      dependencies: { '@e/module-sdk': sdk, zod: '^4.1.0' },
    },
    null,
    2,
  )}\n`;
}

function nodeDockerfile({ base, version }: ScaffoldOptions): string {
  return `# e module build bundles src/ into dist/module.mjs, then builds this for linux/amd64 and linux/arm64.
# BASE is e's Node.js base image (Debian bookworm + Node.js 18); e module build pins it per platform,
# a plain docker build uses the default.
ARG BASE=${base}
FROM \${BASE}
ARG MODULE_VERSION=${version}
ENV E_MODULE_IMAGE_VERSION=\${MODULE_VERSION}
COPY dist/module.mjs /module/module.mjs
WORKDIR /shared
ENTRYPOINT ["node", "/module/module.mjs"]
`;
}

function shellDockerfile({ base, version }: ScaffoldOptions): string {
  return `# e module build builds this for linux/amd64 and linux/arm64 (so does a plain docker build).
# BASE is e's base image (Debian bookworm: sh, awk, sed, coreutils; Node.js too, unused here);
# e module build pins it per platform, a plain docker build uses the default.
ARG BASE=${base}
FROM \${BASE}
ARG MODULE_VERSION=${version}
ENV E_MODULE_IMAGE_VERSION=\${MODULE_VERSION}
COPY module.sh /module/module.sh
WORKDIR /shared
ENTRYPOINT ["/bin/sh", "/module/module.sh"]
`;
}

// as Biome formats it, so a module project inside a checked tree passes `biome check` as generated
const TSCONFIG = `{
  "compilerOptions": {
    "target": "ES2022",
    "lib": ["ES2022"],
    "module": "NodeNext",
    "moduleResolution": "NodeNext",
    "strict": true,
    "noEmit": true,
    "skipLibCheck": true,
    "types": []
  },
  "include": ["src"]
}
`;

function readme(options: ScaffoldOptions, template: ScaffoldTemplate): string {
  const { name, image, base } = options;
  const node = template === 'node';
  const what = node
    ? `It is written in TypeScript with \`@e/module-sdk\`: \`src/index.ts\` is the whole module. \`e module build\`
bundles it (with its dependencies) into \`dist/module.mjs\`, which the Dockerfile copies.`
    : `It is a POSIX \`sh\` script, \`module.sh\`, with no dependencies: the image is e's base image plus that file.`;
  const install = node
    ? `
Its dependencies first (\`npm install\` in this directory; outside e's repository the SDK comes from
its tarball, which \`npm pack -w @e/module-sdk\` makes in e's checkout):

\`\`\`sh
npm install /path/to/e-module-sdk-${options.sdk.replace(/^\^/, '')}.tgz
\`\`\`
`
    : '';
  return `# ${name}

An e module: a Docker image that e runs with one of the commands \`metadata\`, \`init\`, \`plan\`,
\`apply\`, \`audit\` (and \`destroy\`), against a shared directory at \`/shared\`. ${what} What a
module must do is e's module contract (\`docs/module-contract.md\` in e's repository).

This one keeps a config (\`${name}-config.yml\`, which \`init\` writes and a person may edit), its section
of \`state.yml\` and a mocked remote under \`${name}/remote/\`, which \`audit\` compares with the state.
Replace those with the real thing.

| file | what |
| --- | --- |
| \`${node ? 'src/index.ts' : 'module.sh'}\` | the module |
| \`Dockerfile\` | the image, on e's base image (\`ARG BASE\`, default \`${base}\`) |
| \`.dockerignore\` | keeps the build context to what the image needs |
| \`tests/*.yml\` | cases \`e module test\` runs against the image; \`init-writes-config.yml\` is the conformance case, whose \`given\` is the platform before ${name} is installed (put the sections of the modules it needs there) |

## Build, test, validate
${install}
Then, from the directory of the repository file that lists ${name} (\`e module new --add-to-repository\`
appended its entry; \`-r FILE\` names another):

\`\`\`sh
e module build ${name} --push     # ${image}, linux/amd64 + linux/arm64
e module test ${name}             # every case in tests/, against that image
e module validate ${name}         # the conformance suite (add --platform linux/arm64 for the other one)
e module install ${name} -y       # into ./shared (-s DIR)
\`\`\`

\`e module build\` builds nothing that is built already and pushes nothing the registry holds. A plain
\`docker build .\` works too${node ? ' once `dist/module.mjs` exists' : ''}.
`;
}

function repositoryEntry({ name, version, image }: Pick<ScaffoldOptions, 'name' | 'version' | 'image'>): string {
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
    '        network: false',
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

const CONFORMANCE_CASE = `description: init on the mocked platform writes the default config (e module validate uses this given)
# \`given\` is the mocked platform e module validate runs init -> plan -> apply -> plan -> audit on:
# the platform before NAME is installed. Put the sections of the modules NAME needs here (e.g. an
# applied azi); never a NAME section or NAME-config.yml.
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

/** The shell template: __NAME__ and __VERSION__ are replaced. Runs with dash (Debian's sh), mawk and GNU sed. */
const SHELL_MODULE = `#!/bin/sh
# The __NAME__ module in POSIX sh. e runs \`sh /module/module.sh COMMAND\` with the shared directory at
# /shared; the module contract is docs/module-contract.md in e's repository. This one keeps a
# config (__NAME__-config.yml), its section of state.yml and a mocked remote (__NAME__/remote/).
set -eu

MODULE=\${E_MODULE:-__NAME__}
VERSION=\${E_MODULE_IMAGE_VERSION:-__VERSION__}
SHARED=\${E_SHARED:-/shared}
STATE=\${E_STATE:-$SHARED/state.yml}
CONFIG=$SHARED/$MODULE-config.yml
REMOTE=$SHARED/$MODULE/remote
COMMAND=\${1:-}

# One line on stderr, a hint, exit 1: what e shows the operator.
fail() {
  echo "$MODULE $COMMAND: $1" >&2
  if [ -n "\${2:-}" ]; then echo "hint: $2" >&2; fi
  exit 1
}

# The lines of FILE's top-level mapping KEY (block style, as e writes state.yml), without "KEY:".
section_of() {
  [ -f "$1" ] || return 0
  awk -v key="$2:" '
    $0 == key { inside = 1; next }
    inside && /^[^ #]/ { inside = 0 }
    inside { print }
  ' "$1"
}

# The value of FIELD ("  field: value") in the section on stdin, without quotes.
field() {
  sed -n "s/^  $1: *//p" | head -n 1 | sed -e 's/^"\\(.*\\)"$/\\1/' -e "s/^'\\(.*\\)'\\$/\\1/"
}

# VALUE as a double-quoted YAML string.
quoted() {
  printf '"%s"' "$(printf '%s' "$1" | sed -e 's/\\\\/\\\\\\\\/g' -e 's/"/\\\\"/g')"
}

# Replaces this module's section of state.yml with BODY (lines indented by two spaces); every
# other line stays. Written to a temporary file, then renamed: never half a file.
write_section() {
  if [ -f "$STATE" ]; then
    BODY=$1 awk -v key="$MODULE:" '
      $0 == key { print; print ENVIRON["BODY"]; skip = 1; done = 1; next }
      skip && /^[^ #]/ { skip = 0 }
      !skip { print }
      END { if (!done) { print key; print ENVIRON["BODY"] } }
    ' "$STATE" >"$STATE.$MODULE.tmp"
  else
    printf '%s:\\n%s\\n' "$MODULE" "$1" >"$STATE.$MODULE.tmp"
  fi
  mv "$STATE.$MODULE.tmp" "$STATE"
}

read_config() {
  [ -f "$CONFIG" ] || fail "$MODULE-config.yml is missing" "run e module init $MODULE first"
  replicas=$(section_of "$CONFIG" "$MODULE" | field replicas)
  message=$(section_of "$CONFIG" "$MODULE" | field message)
  case $replicas in '' | *[!0-9]*) fail "$MODULE-config.yml: $MODULE.replicas must be a whole number, got \\"$replicas\\"" ;; esac
  [ -n "$message" ] || fail "$MODULE-config.yml: $MODULE.message is missing"
}

read_section() {
  status=$(section_of "$STATE" "$MODULE" | field status)
  current_replicas=$(section_of "$STATE" "$MODULE" | field replicas)
  current_message=$(section_of "$STATE" "$MODULE" | field message)
}

# What apply puts on the (mocked) remote for an applied section.
remote_settings() {
  printf 'replicas=%s\\nmessage=%s\\n' "$1" "$2"
}

case $COMMAND in
metadata)
  # must equal labels/requires/influences of the repository entry (e module validate checks it)
  printf 'labels:\\n  version: "%s"\\n  kind: example\\n' "$VERSION"
  ;;
init)
  # a meaningful config from the state; keeps what an earlier apply chose
  read_section
  printf '%s:\\n  replicas: %s\\n  message: %s\\n' "$MODULE" "\${current_replicas:-1}" \\
    "$(quoted "\${current_message:-hello from $MODULE}")" >"$CONFIG.tmp"
  mv "$CONFIG.tmp" "$CONFIG"
  # status stays applied on an applied module (dependants must not think it is gone)
  if [ "$status" != applied ]; then
    others=$(section_of "$STATE" "$MODULE" | grep -v '^  status:' || true)
    write_section "  status: initialized\${others:+
$others}"
  fi
  echo "wrote $MODULE-config.yml"
  ;;
plan)
  # exit 2 when apply would change something, 0 when not
  read_config
  read_section
  changes=0
  for change in "status|$status|applied" "replicas|$current_replicas|$replicas" "message|$current_message|$message"; do
    name=\${change%%|*}
    rest=\${change#*|}
    from=\${rest%%|*}
    to=\${rest#*|}
    if [ "$from" != "$to" ]; then
      echo "  ~ $MODULE.$name: \${from:-(none)} -> $to"
      changes=$((changes + 1))
    fi
  done
  if [ "$changes" -eq 0 ]; then
    echo "No changes."
    exit 0
  fi
  echo "$changes change(s)."
  exit 2
  ;;
apply)
  read_config
  write_section "  status: applied
  replicas: $replicas
  message: $(quoted "$message")"
  mkdir -p "$REMOTE"
  remote_settings "$replicas" "$message" >"$REMOTE/settings.conf"
  echo "applied: $replicas replica(s), \\"$message\\""
  ;;
audit)
  # exit 3 when the remote differs from what the state says
  read_section
  expected=""
  if [ "$status" = applied ]; then expected=$(remote_settings "$current_replicas" "$current_message"); fi
  actual=""
  if [ -f "$REMOTE/settings.conf" ]; then actual=$(cat "$REMOTE/settings.conf"); fi
  if [ "$expected" != "$actual" ]; then
    echo "drift: settings.conf on the remote is not what the state says"
    echo "  expected: $(printf '%s' "$expected" | tr '\\n' ' ')"
    echo "  actual:   $(printf '%s' "$actual" | tr '\\n' ' ')"
    exit 3
  fi
  echo "No drift."
  ;;
destroy)
  write_section "  status: destroyed"
  rm -rf "$REMOTE"
  echo "destroyed"
  ;;
*)
  fail "unknown command \\"$COMMAND\\"" "commands: metadata, init, plan, apply, audit, destroy"
  ;;
esac
`;
