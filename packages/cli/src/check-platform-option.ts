import type { CommandLike } from './command-line.js';

/**
 * What is wrong with --platform (or E_PLATFORM) before any command runs, or undefined: an empty
 * --platform '' (an empty E_PLATFORM means unset). The commands parse the rest with the core's
 * parsePlatform, which refuses a bare OS name such as `linux`.
 */
export function platformOptionProblem(program: CommandLike): string | undefined {
  const value = program.getOptionValue('platform') as string | undefined;
  if (value === undefined) return undefined;
  const source = program.getOptionValueSource('platform') === 'cli' ? '--platform' : 'E_PLATFORM';
  const text = value.trim().toLowerCase();
  if (text === '') {
    return source === '--platform'
      ? "--platform '' names no platform; give os/arch such as linux/amd64, or leave it out for the engine's own."
      : undefined;
  }

  return undefined;
}
