import { RuntimeError } from '../errors.js';

/** `linux/amd64`: the form Docker, `--platform` and `E_PLATFORM` use. */
export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

/** Names engines and uname use for the same architecture, mapped to Docker's names. */
const ARCH_ALIASES: Readonly<Record<string, string>> = {
  x86_64: 'amd64',
  x64: 'amd64',
  'x86-64': 'amd64',
  aarch64: 'arm64',
  arm64v8: 'arm64',
  armhf: 'arm',
  armv7l: 'arm',
  i386: '386',
  i686: '386',
  ia32: '386',
};

export function normalizeArchitecture(arch: string): string {
  const lower = arch.trim().toLowerCase();
  return ARCH_ALIASES[lower] ?? lower;
}

/** Operating systems Docker knows (GOOS): a bare one names no architecture. */
const OPERATING_SYSTEMS = new Set([
  'aix',
  'android',
  'darwin',
  'dragonfly',
  'freebsd',
  'illumos',
  'ios',
  'js',
  'linux',
  'netbsd',
  'openbsd',
  'plan9',
  'solaris',
  'wasip1',
  'windows',
]);

/** Parses `linux/arm64`, `linux/arm64/v8` or a bare `arm64` (meaning linux); throws on anything else. */
export function parsePlatform(text: string, source = '--platform'): Platform {
  const parts = text.trim().toLowerCase().split('/');
  if (parts.length === 1 && parts[0] && OPERATING_SYSTEMS.has(parts[0])) {
    throw new RuntimeError(
      'E_PLATFORM_INVALID',
      `${source} "${text}" names an operating system but no architecture; give os/arch such as ${parts[0]}/amd64 or ${parts[0]}/arm64.`,
    );
  }
  if (parts.length === 1 && parts[0]) return { os: 'linux', architecture: normalizeArchitecture(parts[0]) };
  const [os, arch, variant] = parts;
  if (parts.length > 3 || !os || !arch || (parts.length === 3 && !variant) || !/^[a-z0-9_-]+$/.test(parts.join(''))) {
    throw new RuntimeError(
      'E_PLATFORM_INVALID',
      `${source} "${text}" is not a platform; use os/arch, e.g. linux/amd64 or linux/arm64.`,
    );
  }
  return variant
    ? { os, architecture: normalizeArchitecture(arch), variant }
    : { os, architecture: normalizeArchitecture(arch) };
}

/** `linux/arm64` (the variant is left out: e matches platforms on os and architecture). */
export function formatPlatform(platform: Platform): string {
  return `${platform.os}/${platform.architecture}`;
}

export function samePlatform(a: Platform, b: Platform): boolean {
  return a.os === b.os && a.architecture === b.architecture;
}

/** The engine's platform from `docker info` (`OSType: linux`, `Architecture: x86_64`). */
export function platformFromEngineInfo(info: { OSType?: string; Architecture?: string }): Platform {
  return { os: (info.OSType ?? 'linux').toLowerCase(), architecture: normalizeArchitecture(info.Architecture ?? '') };
}
