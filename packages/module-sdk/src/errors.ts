/**
 * A failure the module can explain: the SDK prints `<module> <command>: <message>` (and the hint)
 * on stderr, without a stack, and exits 1.
 */
export class ModuleError extends Error {
  readonly hint: string | undefined;

  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ModuleError';
    this.hint = options.hint;
  }
}

export function isModuleError(value: unknown): value is ModuleError {
  return value instanceof ModuleError;
}
