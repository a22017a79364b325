import { buildProgram } from './cli.js';

/** Runs the CLI and returns the process exit code. Only this function catches and prints errors. */
export async function main(argv: string[]): Promise<number> {
  const debug = argv.includes('--debug');
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    return await reportError(error, debug);
  }
}

async function reportError(error: unknown, debug: boolean): Promise<number> {
  const err = error as { code?: string; exitCode?: number; message?: string; stack?: string };
  // commander signals --help / --version / usage errors with its own codes
  if (typeof err.code === 'string' && err.code.startsWith('commander.')) {
    return err.exitCode ?? 1;
  }
  // loaded only here, on the error path, and only the error classes: `e --help` stays light
  const { isEError } = await import('@e/core/errors');
  // messages quote what modules wrote (section names, problems, output): text only, no sequences
  const { sanitizeTerminalText } = await import('@e/core/terminal');
  const write = (text: string) => process.stderr.write(`${sanitizeTerminalText(text, { color: false })}\n`);
  if (isEError(error)) {
    write(`e: ${error.message}`);
    if (error.hint) write(`   ${error.hint}`);
    if (debug && error.stack) write(error.stack);
    return error.exitCode;
  }
  write(`e: unexpected error (this is a bug in e): ${err.message ?? String(error)}`);
  if (debug && err.stack) write(err.stack);
  else process.stderr.write('   Run again with --debug to see the stack trace, and report it.\n');
  return 70;
}
