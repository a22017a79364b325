import { beforeCommand, type CommandLike } from './command-line.js';
import { writeStdoutDirectly } from './output.js';
import { readActions } from './register-read.js';
import { runCommandLine } from './run.js';

/** Option values by option name, and where each came from: the command line or the default. */
export interface ParsedOptions {
  values: Record<string, string | boolean>;
  sources: Record<string, 'cli' | 'default'>;
}

/** A command line of a read command, as bin/bundle-loader.js reads it (parseReadArgs). */
export interface ReadArgs {
  command: 'status' | 'repo list' | 'repo search' | 'repo show' | 'state show';
  operands: string[];
  globals: ParsedOptions;
  options: ParsedOptions;
}

/**
 * main of the read-only bundle (dist/bundle/e-read.cjs): e repo list|search|show, e state show and
 * e status, as main.ts runs them, with less code to load and no commander. bin/e.js runs this
 * bundle only for a command line that bin/bundle-loader.js reads (parseReadArgs) and hands over
 * what it read as `line`; this runs it with the hook and the action of the full program
 * (command-line.ts, register-read.ts). docs/runtime.md says more.
 */
export async function main(argv: string[], line?: ReadArgs): Promise<number> {
  writeStdoutDirectly();
  return runCommandLine(argv, async () => {
    if (line === undefined)
      throw new Error(`the read-only bundle was given no command line to run (${argv.join(' ')})`);
    await runReadCommand(line);
  });
}

/** Runs a read command line: the hook every command runs first, then the command's action. */
async function runReadCommand(line: ReadArgs): Promise<void> {
  const program = new ReadCommand('e', null, line.globals);
  let action = program;
  const words = line.command.split(' ');
  words.forEach((word, i) => {
    const last = i === words.length - 1;
    action = new ReadCommand(word, action, last ? line.options : { values: {}, sources: {} });
  });
  await beforeCommand(program, action);
  const [operand] = line.operands;
  switch (line.command) {
    case 'repo search':
      return readActions['repo search'](action, operand ?? '');
    case 'repo show':
      return readActions['repo show'](action, operand as string);
    case 'state show':
      return readActions['state show'](action, operand);
    default:
      return readActions[line.command](action);
  }
}

/** A command of a parsed read command line, with what e's hook and actions ask of commander's Command. */
class ReadCommand implements CommandLike {
  readonly options: readonly { attributeName(): string }[];
  private readonly values: Record<string, unknown>;
  private readonly sources: Record<string, string>;

  constructor(
    private readonly commandName: string,
    readonly parent: ReadCommand | null,
    parsed: ParsedOptions,
  ) {
    this.values = { ...parsed.values };
    this.sources = { ...parsed.sources };
    // a command's own options, which applyEConfig asks of the action (repo search's --latest); the
    // program's are the global ones, which nothing asks for by this list
    this.options = parent === null ? [] : Object.keys(parsed.values).map((key) => ({ attributeName: () => key }));
  }

  name(): string {
    return this.commandName;
  }

  opts(): Record<string, unknown> {
    return { ...this.values };
  }

  /** As commander's: the command's options, then each ancestor's over them (globals win). */
  optsWithGlobals(): Record<string, unknown> {
    const chain: ReadCommand[] = [];
    for (let c: ReadCommand | null = this; c !== null; c = c.parent) chain.push(c);
    return chain.reduce<Record<string, unknown>>((all, c) => Object.assign(all, c.opts()), {});
  }

  getOptionValue(key: string): unknown {
    return this.values[key];
  }

  getOptionValueSource(key: string): string | undefined {
    return this.sources[key];
  }

  setOptionValueWithSource(key: string, value: unknown, source: 'config'): this {
    this.values[key] = value;
    this.sources[key] = source;
    return this;
  }
}
