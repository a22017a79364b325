export { ERROR_CODES, type ErrorCode, renderErrorCodes } from './error-codes.js';

/**
 * Every failure a user can cause or fix is an EError: a stable `code` (listed with its meaning in
 * error-codes.ts), one sentence of cause in `message`, and an optional `hint` saying what to do.
 * The CLI prints these without a stack.
 */
export class EError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  /** Process exit code the CLI uses for this error. */
  readonly exitCode: number;
  /** Plain data behind the message (e.g. every problem found), printed with -o json|yaml. */
  readonly details: unknown;

  constructor(
    code: string,
    message: string,
    options: { hint?: string; exitCode?: number; cause?: unknown; details?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? 1;
    this.details = options.details;
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

/** At most this many characters of a value a user wrote are quoted in a message. */
export const QUOTE_MAX = 200;

/**
 * `value` as a message quotes it (as JSON) and, past QUOTE_MAX characters, cut with "…" and its
 * length, so that a 5 MB scalar does not become a 5 MB error message.
 */
export function quote(value: unknown, max = QUOTE_MAX): string {
  if (typeof value === 'string') {
    return value.length <= max
      ? JSON.stringify(value)
      : `${JSON.stringify(`${value.slice(0, max)}…`)} (${value.length} characters)`;
  }
  const text = JSON.stringify(value) ?? String(value);
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}
