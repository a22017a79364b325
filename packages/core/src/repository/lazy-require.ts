import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * Loads a CommonJS-capable dependency on first use. The CLI imports the whole of @e/core on every
 * start, so zod, yaml, semver and json-logic-js are only loaded by the commands that use them.
 */
export function lazyRequire<T>(id: string): () => T {
  let loaded: T | undefined;
  return () => {
    loaded ??= require(id) as T;
    return loaded;
  };
}
