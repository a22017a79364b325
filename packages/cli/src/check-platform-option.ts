import type { Command } from 'commander';

/** Operating systems Docker knows (GOOS): a bare one is not an architecture. */
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

/**
 * What is wrong with --platform (or E_PLATFORM) before any command runs, or undefined. The
 * commands parse it further (os/arch/variant); this catches what they would misread: an empty
 * --platform '' (an empty E_PLATFORM means unset) and a bare OS name such as `linux`, which
 * would otherwise pass as the architecture "linux".
 */
export function platformOptionProblem(program: Command): string | undefined {
  const value = program.getOptionValue('platform') as string | undefined;
  if (value === undefined) return undefined;
  const source = program.getOptionValueSource('platform') === 'cli' ? '--platform' : 'E_PLATFORM';
  const text = value.trim().toLowerCase();
  if (text === '') {
    return source === '--platform'
      ? "--platform '' names no platform; give os/arch such as linux/amd64, or leave it out for the engine's own."
      : undefined;
  }
  if (OPERATING_SYSTEMS.has(text)) {
    return `${source} "${value}" names an operating system but no architecture; give os/arch such as ${text}/amd64 or ${text}/arm64.`;
  }
  return undefined;
}
