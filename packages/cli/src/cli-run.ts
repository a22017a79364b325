import type { Command } from 'commander';
import { addModuleGroup, createProgram } from './program.js';
import { registerRuntimeCommands } from './register-runtime.js';

/**
 * The program of the module-run bundle (dist/bundle/e-run.cjs): e's global options and only the
 * commands that run a module (e init|plan|apply|audit, e module run and its kin), registered by the
 * same function as in the full program (cli.ts). bin/e.js runs it only for those commands and never
 * for help, whose output lists every command.
 */
export function buildRunProgram(): Command {
  const program = createProgram();
  registerRuntimeCommands(program, addModuleGroup(program));
  return program;
}
