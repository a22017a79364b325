import type { Command } from 'commander';
import { configuredFormat } from './e-config-options.js';
import { printDocument, takeResult } from './output.js';

/**
 * Runs `program` (all of e's commands from main.ts, the read-only ones from main-read.ts) on argv
 * and returns the process exit code. Only this function catches and prints errors.
 */
export async function runProgram(argv: string[], program: Command): Promise<number> {
  return runCommandLine(argv, () => program.parseAsync(argv));
}

/**
 * Runs a command line: `run` parses argv and runs its command (commander's parseAsync, or the
 * read-only bundle's own reading: main-read.ts); returns the process exit code, as runProgram.
 */
export async function runCommandLine(argv: string[], run: () => Promise<unknown>): Promise<number> {
  const debug = argv.includes('--debug');
  const format = structuredFormat(argv);
  takeResult();
  try {
    await run();
    // with -o json|yaml every command prints one document, also one that has no result of its own
    // -o from the command line, else output: from e.yml
    const chosen = format ?? configuredFormat();
    if (chosen !== undefined) printDocument(chosen, takeResult()?.data ?? { ok: true });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    const report = await reportError(error, debug);
    const chosen = format ?? configuredFormat();
    if (report !== undefined && chosen !== undefined) {
      const result = takeResult();
      printDocument(chosen, {
        ok: false,
        error: report.error,
        ...(result !== undefined ? { result: result.data } : {}),
      });
    }
    return report?.exitCode ?? (error as { exitCode?: number }).exitCode ?? 1;
  }
}

/** What scripts get for an error with -o json|yaml (docs/errors.md). */
interface ErrorDocument {
  code: string;
  message: string;
  hint: string | null;
  exitCode: number;
  details?: unknown;
}

/**
 * Prints the error on stderr (commander prints its own usage errors) and says what the error
 * document holds; undefined for --help and --version, which commander signals as errors too.
 */
async function reportError(
  error: unknown,
  debug: boolean,
): Promise<{ exitCode: number; error: ErrorDocument } | undefined> {
  const err = error as { code?: string; exitCode?: number; message?: string; stack?: string };
  if (typeof err.code === 'string' && err.code.startsWith('commander.')) {
    const exitCode = err.exitCode ?? 1;
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || exitCode === 0) return undefined;
    const missing = err.code === 'commander.help';
    return {
      exitCode,
      error: {
        code: 'E_USAGE',
        message: missing ? 'A command is missing.' : (err.message ?? '').replace(/^error: /, ''),
        hint: missing ? 'The usage above lists the commands; e COMMAND --help shows one.' : 'Run e --help for usage.',
        exitCode,
      },
    };
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
    return {
      exitCode: error.exitCode,
      error: {
        code: error.code,
        message: error.message,
        hint: error.hint ?? null,
        exitCode: error.exitCode,
        ...(error.details !== undefined ? { details: error.details } : {}),
      },
    };
  }
  const message = `unexpected error (this is a bug in e): ${err.message ?? String(error)}`;
  const hint = 'Run again with --debug to see the stack trace, and report it.';
  write(`e: ${message}`);
  if (debug && err.stack) write(err.stack);
  else process.stderr.write(`   ${hint}\n`);
  return { exitCode: 70, error: { code: 'E_INTERNAL', message, hint, exitCode: 70 } };
}

/** -o json|yaml as the command line gives it, also when commander stopped before reading it. */
function structuredFormat(argv: readonly string[]): 'json' | 'yaml' | undefined {
  let format: string | undefined;
  for (let i = 2; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') break;
    if (arg === '-o' || arg === '--output') format = argv[++i];
    else if (arg.startsWith('--output=')) format = arg.slice('--output='.length);
    else if (arg.startsWith('-o') && !arg.startsWith('--')) format = arg.slice(2);
  }
  return format === 'json' || format === 'yaml' ? format : undefined;
}
