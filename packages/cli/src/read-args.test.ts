import { createRequire } from 'node:module';
import type { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ReadArgs } from './main-read.js';

// bin/bundle-loader.js reads the command lines of the read-only bundle without commander
// (parseReadArgs): for every line it reads, it must give what commander gives with the full
// program (cli.ts), in every environment: the command, its arguments, and each option's value and
// source. A line it does not read goes to the full bundle, so declining is always safe; reading a
// line that commander refuses or reads otherwise is the bug this looks for.

interface Loader {
  parseReadArgs(args: string[], env?: NodeJS.ProcessEnv): ReadArgs | undefined;
}
const loader = createRequire(import.meta.url)('../bin/bundle-loader.js') as Loader;

/** What the program's hook was called with: it stands for e's hook, and stops before the action. */
const STOP = new Error('stopped before the action');
let seen: { program: Command; action: Command } | undefined;
vi.mock('./command-line.js', async (original) => ({
  ...(await original<typeof import('./command-line.js')>()),
  beforeCommand: async (program: Command, action: Command) => {
    seen = { program, action };
    throw STOP;
  },
}));
const { buildProgram } = await import('./cli.js');

const GLOBALS = ['repository', 'shared', 'output', 'platform', 'state', 'env', 'engine', 'debug'];

/** What commander makes of a line with the full program, or undefined when it refuses it or prints help. */
async function viaCommander(args: string[]): Promise<unknown> {
  const program = buildProgram();
  const quiet = (command: Command) => {
    command.configureOutput({ writeOut: () => {}, writeErr: () => {} });
    for (const sub of command.commands) quiet(sub);
  };
  quiet(program);
  seen = undefined;
  try {
    await program.parseAsync(['node', 'e', ...args]);
  } catch (error) {
    if (error !== STOP) return undefined;
  }
  if (seen === undefined) return undefined;
  const { action } = seen;
  const path: string[] = [];
  for (let c: Command | null = action; c?.parent; c = c.parent) path.unshift(c.name());
  const pick = (command: Command, keys: string[]) => ({
    values: Object.fromEntries(
      keys.filter((k) => command.getOptionValue(k) !== undefined).map((k) => [k, command.getOptionValue(k)]),
    ),
    sources: Object.fromEntries(
      keys
        .filter((k) => command.getOptionValueSource(k) !== undefined)
        .map((k) => [k, command.getOptionValueSource(k)]),
    ),
  });
  const own = action.options.map((o) => o.attributeName());
  return {
    command: path.join(' '),
    // what the action is given: its declared arguments (with their defaults), as many as were given
    operands: action.args,
    processed: action.processedArgs,
    globals: pick(seen.program, GLOBALS),
    options: pick(action, own),
  };
}

/** What parseReadArgs makes of it, in the shape of viaCommander's answer. */
function viaLoader(args: string[], env: NodeJS.ProcessEnv) {
  const line = loader.parseReadArgs(args, env);
  if (line === undefined) return undefined;
  // the action's arguments as commander processes them: repo search's selector defaults to ''
  const processed =
    line.command === 'repo search' ? [line.operands[0] ?? ''] : line.command === 'state show' ? [line.operands[0]] : [];
  if (line.command === 'repo show') processed.push(line.operands[0]);
  return { ...line, processed };
}

const COMMANDS = ['status', 'repo list', 'repo search', 'repo search kind=example', 'repo show hello', 'state show'];
const OPTIONS = [
  '',
  '-r repo.yml',
  '-rrepo.yml',
  '--repository=repo.yml',
  '--repository repo.yml',
  '-s sh',
  '-ssh',
  '--shared=sh',
  '-o json',
  '-ojson',
  '--output yaml',
  '--output=text',
  '-o xml',
  '--platform linux/arm64',
  "--platform=''",
  '--state postgres://db/e',
  '--env prod',
  '--engine tcp://h:2375',
  '--debug',
  '--latest',
  '-r a.yml -r b.yml',
  '--debug --debug',
  '-r',
  '-o',
  '-r -s',
  '--bogus',
  '-x',
  '--',
  '-- status',
  '--help',
  '-h',
  'help',
  'extra',
  'extra more',
  '--repo x.yml',
  '--debug=true',
  '-r=repo.yml',
  '-',
];

/** Every command with each option before it, after it, and both (an empty option is none). */
const LINES = COMMANDS.flatMap((command) =>
  OPTIONS.flatMap((option) => [`${option} ${command}`, `${command} ${option}`, `-s x ${command} ${option} --debug`]),
).concat([
  '',
  'repo',
  'state',
  'repo -r x.yml list',
  'repo --latest search',
  'repo search --latest kind=example',
  'repo search kind=example --latest',
  'repo search kind=example other',
  'repo show',
  'repo show a b',
  'state show a b',
  'state show hello -o json',
  'status status',
  'repo validate',
  'module run hello plan',
]);

const ENVIRONMENTS: NodeJS.ProcessEnv[] = [
  {},
  { E_REPOSITORY: 'env.yml', E_SHARED: 'env-shared', E_ENV: 'staging', E_PLATFORM: 'linux/arm64' },
  { E_PLATFORM: '', E_REPOSITORY: '', E_ENV: '' },
];

describe('parseReadArgs reads a command line as commander does, or leaves it to the full bundle', () => {
  afterEach(() => vi.unstubAllEnvs());

  it.each(ENVIRONMENTS.map((env) => [JSON.stringify(env), env]))('with the environment %s', async (_name, env) => {
    for (const key of ['E_REPOSITORY', 'E_SHARED', 'E_ENV', 'E_PLATFORM']) vi.stubEnv(key, env[key]);
    let read = 0;
    for (const line of LINES) {
      const args = line.split(' ').filter(Boolean);
      const ours = viaLoader(args, env);
      if (ours === undefined) continue;
      read++;
      const theirs = await viaCommander(args);
      expect({ line, ...ours }, line).toEqual({ line, ...(theirs as object) });
    }
    // most lines of the read commands are read here (the others are help, errors and other commands)
    expect(read).toBeGreaterThan(300);
  });

  it('leaves help, unknown options, missing values, options given twice and extra arguments to commander', () => {
    for (const line of [
      '',
      'status --help',
      'help status',
      'status -h',
      'status --bogus',
      'status extra',
      'repo show',
      'repo search a b',
      '-r a -r b status',
      '--debug --debug status',
      '-r',
      'status -o',
      '-o xml status',
      '-r -s status',
      '-- status',
      'status --',
      '--latest repo search',
      'repo --latest search',
      'repo validate',
      'repo',
      'module run hello plan',
      '--repository= status',
    ]) {
      expect(loader.parseReadArgs(line.split(' ').filter(Boolean), {}), line).toBeUndefined();
    }
  });

  it('reads the commands with their global options before and after them', () => {
    expect(loader.parseReadArgs(['-r', 'r.yml', 'repo', 'search', 'kind=x', '--latest', '-ojson'], {})).toEqual({
      command: 'repo search',
      operands: ['kind=x'],
      globals: {
        values: { repository: 'r.yml', shared: './shared', output: 'json', env: 'default', debug: false },
        sources: { repository: 'cli', shared: 'default', output: 'cli', env: 'default', debug: 'default' },
      },
      options: { values: { latest: true }, sources: { latest: 'cli' } },
    });
  });
});
