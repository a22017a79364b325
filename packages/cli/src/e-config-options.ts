import { existsSync } from 'node:fs';
import type { CommandLike } from './command-line.js';

/** The output format e.yml chose, when no flag did (main prints -o json|yaml documents with it). */
let configuredOutput: 'json' | 'yaml' | undefined;

export function configuredFormat(): 'json' | 'yaml' | undefined {
  return configuredOutput;
}

/** The e.yml read for this command, and (for e doctor, which reports it) why it was refused. */
let usedFile: string | undefined;
let problem: { message: string; hint?: string } | undefined;

export function configFileUsed(): string | undefined {
  return usedFile;
}

export function configFileProblem(): { message: string; hint?: string } | undefined {
  return problem;
}

/** The e.yml settings that stand for a global option, and the environment variable that wins over each. */
const GLOBALS = [
  { key: 'repository', env: 'E_REPOSITORY' },
  { key: 'state', env: 'E_STATE_URL' },
  { key: 'env', env: 'E_ENV' },
  { key: 'platform', env: 'E_PLATFORM' },
  { key: 'output', env: undefined },
] as const;

/**
 * Before a command runs: reads e.yml (next to the repository file, else in the working directory)
 * when there is one and fills every option that neither a flag nor its environment variable set;
 * then points dockerode at --engine (or e.yml's engine when DOCKER_HOST is unset). Nothing is
 * loaded when there is no e.yml and no --engine.
 */
export async function applyEConfig(program: CommandLike, action: CommandLike): Promise<void> {
  configuredOutput = undefined;
  usedFile = undefined;
  problem = undefined;
  const fromFlag = (key: string) => program.getOptionValueSource(key) === 'cli';
  const repository = program.getOptionValue('repository') as string | undefined;
  const path = configPath(fromFlag('repository') || process.env.E_REPOSITORY ? repository : undefined);
  if (existsSync(path)) {
    const { loadEConfig } = await import('@e/core/repository');
    const config = await loadEConfig(path).catch((error: { message: string; hint?: string }) => {
      // e doctor reports a bad e.yml as one of its checks instead of refusing to run
      if (action.name() !== 'doctor' || action.parent !== program) throw error;
      problem = { message: error.message, hint: error.hint };
      return undefined;
    });
    if (config !== undefined) usedFile = config.file;
    if (config !== undefined) {
      for (const { key, env } of GLOBALS) {
        const value = config[key];
        if (value === undefined || fromFlag(key) || (env !== undefined && process.env[env])) continue;
        // a command's own option of the same name (e module validate --state FILE) is not this one
        if (action !== program && action.options.some((o) => o.attributeName() === key)) continue;
        program.setOptionValueWithSource(key, value, 'config');
      }
      if (config.output !== undefined && !fromFlag('output') && config.output !== 'text')
        configuredOutput = config.output;
      // e module install --prefer
      if (config.prefer !== undefined && action.options.some((o) => o.attributeName() === 'prefer')) {
        if (action.getOptionValueSource('prefer') !== 'cli')
          action.setOptionValueWithSource('prefer', config.prefer, 'config');
      }
      if (config.engine !== undefined && !fromFlag('engine') && !process.env.DOCKER_HOST) {
        program.setOptionValueWithSource('engine', config.engine, 'config');
      }
    }
  }
  const engine = program.getOptionValue('engine') as string | undefined;
  if (engine !== undefined) {
    // the same rule as e.yml's engine: setting
    const { ENGINE_URL } = await import('@e/core/repository');
    if (!ENGINE_URL.test(engine)) {
      const { RuntimeError } = await import('@e/core/errors');
      throw new RuntimeError('E_ENGINE_URL_INVALID', `--engine "${engine}" is not a Docker engine URL.`, {
        hint: 'Use unix:///var/run/docker.sock, tcp://host:port or ssh://user@host.',
      });
    }
    // dockerode (docker-modem) reads DOCKER_HOST: the one place that names the engine for every command
    process.env.DOCKER_HOST = engine;
  }
}

/** e.yml next to a repository file given by -r or E_REPOSITORY (a local path), else in the working directory. */
function configPath(repository: string | undefined): string {
  // [a-zA-Z], not the `i` flag: the first such expression a process runs costs ~0.1 ms to set up
  const isUrl = repository !== undefined && /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(repository);
  if (repository === undefined || isUrl) return 'e.yml';
  const slash = repository.lastIndexOf('/');
  return slash < 0 ? 'e.yml' : `${repository.slice(0, slash + 1)}e.yml`;
}
