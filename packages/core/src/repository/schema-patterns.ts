/*
 * The names and patterns the repository schema checks, apart from zod (schema.ts) so that code
 * which only needs them (the quick shape check, messages, the runtime) does not load zod.
 */

/** Docker's architecture names (GOARCH), as in `linux/<arch>` platforms. */
export const ARCHITECTURES = [
  'amd64',
  'arm64',
  'arm',
  '386',
  'ppc64le',
  's390x',
  'riscv64',
  'mips64le',
  'loong64',
] as const;

/** Other names people use for the same architectures. */
export const ARCHITECTURE_ALIASES: Readonly<Record<string, string>> = {
  x86_64: 'amd64',
  'x86-64': 'amd64',
  x64: 'amd64',
  aarch64: 'arm64',
  arm64v8: 'arm64',
  armv7: 'arm',
  armv7l: 'arm',
  armhf: 'arm',
  i386: '386',
  i686: '386',
  x86: '386',
};

export const COMPONENT_NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
export const COMMAND_NAME = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const ABSOLUTE_PATH = /^\//;
