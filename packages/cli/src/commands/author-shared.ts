import { type ContainerRuntime, type Platform, parsePlatform, RuntimeError } from '@e/core/runtime';
import { parseDuration } from '@e/core/state';
import type { GlobalOptions } from '../cli.js';

/** --platform (or E_PLATFORM) when given, else the engine's own. */
export async function chosenPlatform(runtime: ContainerRuntime, options: GlobalOptions): Promise<Platform> {
  if (options.platform !== undefined && options.platform !== '') {
    return parsePlatform(options.platform, process.env.E_PLATFORM === options.platform ? 'E_PLATFORM' : '--platform');
  }
  return runtime.enginePlatform();
}

export function timeoutOption(text: string): number {
  const ms = parseDuration(text, '--timeout');
  if (ms <= 0) throw new RuntimeError('E_DURATION_INVALID', '--timeout must be longer than 0s.');
  return ms;
}

/**
 * Ctrl-C / SIGTERM stop the running container (the command then removes its temporary shared
 * directory and fails); a second signal exits at once.
 */
export function interruptSignal(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(signal === 'SIGINT' ? 130 : 143);
    process.stderr.write(`e: ${signal}: stopping the module's container...\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}
