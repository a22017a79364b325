import { platformOptionProblem } from './check-platform-option.js';

/** Options every command accepts; handlers receive them merged with their own. */
export interface GlobalOptions {
  repository: string;
  shared: string;
  output: 'text' | 'json' | 'yaml';
  platform?: string;
  /** Where the state lives: unset for the shared directory, `postgres://...` for PostgreSQL. */
  state?: string;
  /** The named environment within a state backend. */
  env: string;
  debug: boolean;
}

/**
 * What e's hooks and command actions use of a command: commander's Command is one, and so is the
 * command of a line the read-only bundle parsed without commander (main-read.ts, ReadCommand).
 */
export interface CommandLike {
  name(): string;
  readonly parent: CommandLike | null;
  /** The command's own options (by their attribute names). */
  readonly options: readonly { attributeName(): string }[];
  opts(): Record<string, unknown>;
  optsWithGlobals(): Record<string, unknown>;
  getOptionValue(key: string): unknown;
  /** 'cli' for a value from the command line, 'default', 'config' (from e.yml), or undefined for no value. */
  getOptionValueSource(key: string): string | undefined;
  setOptionValueWithSource(key: string, value: unknown, source: 'config'): unknown;
}

/** The global options as seen from a subcommand's action. */
export function globalOptions(command: CommandLike): GlobalOptions {
  return command.optsWithGlobals() as unknown as GlobalOptions;
}

/**
 * What runs before every command's action (program.ts hooks it to commander's preAction): e.yml
 * fills what no flag and no environment variable set, --engine points dockerode at an engine,
 * --platform is checked, and a --state backend is attached.
 */
export async function beforeCommand(program: CommandLike, action: CommandLike): Promise<void> {
  const { applyEConfig } = await import('./e-config-options.js');
  await applyEConfig(program, action);
  const problem = platformOptionProblem(program);
  if (problem !== undefined) {
    const { RuntimeError } = await import('@e/core/errors');
    throw new RuntimeError('E_PLATFORM_INVALID', problem);
  }
  const { attachStateBackend } = await import('./state-backend.js');
  await attachStateBackend(action);
}
