import type { Command } from 'commander';
import { addRepoGroup, addStateGroup, createProgram } from './program.js';
import { registerRepoReadCommands, registerStateReadCommands, registerStatusCommand } from './register-read.js';

/**
 * The program of the read-only bundle (dist/bundle/e-read.cjs): e's global options and only the
 * commands that read, registered by the same functions as in the full program (cli.ts). bin/e.js
 * runs it only for those commands and never for help, whose output lists every command.
 */
export function buildReadProgram(): Command {
  const program = createProgram();
  registerRepoReadCommands(addRepoGroup(program));
  registerStateReadCommands(addStateGroup(program));
  registerStatusCommand(program);
  return program;
}
