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

/** A file's sha256: 64 lower-case hex digits, without a `sha256:` prefix. */
export const SHA256_HEX = /^[a-f0-9]{64}$/;
/** A downloaded file's name: one path component of letters, digits, ".", "_", "+", "~", "-", not starting with "." or "-". */
export const FILE_NAME = /^[A-Za-z0-9_+~][A-Za-z0-9._+~-]{0,254}$/;
/** Where a file is downloaded from: an http or https URL without spaces. */
export const FILE_URL = /^https?:\/\/[^\s/?#]+[^\s]*$/;
/** An operating system and its release, as package lists name them: `debian-12`, `ubuntu-22.04`, `rhel-9`. */
export const OS_RELEASE = /^[a-z][a-z0-9]*-[0-9][0-9.]*$/;
