import { buildProgram } from './cli.js';
import { runProgram } from './run.js';

/** Runs the CLI (every command) and returns the process exit code; runProgram catches and prints errors. */
export async function main(argv: string[]): Promise<number> {
  // the shell's completion callback: its words go to completion untouched, never parsed as options
  if (argv[2] === '__complete') {
    const { completeCommand } = await import('./completion.js');
    return completeCommand(buildProgram(), argv.slice(3));
  }
  return runProgram(argv, buildProgram());
}
