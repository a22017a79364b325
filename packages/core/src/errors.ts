/**
 * Every failure a user can cause or fix is an EError: a stable `code`, one sentence of cause in
 * `message`, and an optional `hint` saying what to do. The CLI prints these without a stack.
 */
export class EError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  /** Process exit code the CLI uses for this error. */
  readonly exitCode: number;

  constructor(code: string, message: string, options: { hint?: string; exitCode?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? 1;
  }
}

export class RepositoryError extends EError {}
export class SelectorError extends EError {}
export class ResolutionError extends EError {}
export class RuntimeError extends EError {}
export class StateError extends EError {}
export class ArchiveError extends EError {}

export function isEError(value: unknown): value is EError {
  return value instanceof EError;
}
