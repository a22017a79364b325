import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * Loads a CommonJS dependency on first use: the CLI imports the whole of @e/core on every start,
 * so semver and json-logic-js are only loaded by the commands that match selectors. (zod and yaml
 * are imported normally: the state code loads them anyway, and a second, CommonJS copy would cost
 * more than it saves.)
 */
export function lazyRequire<T>(id: string): () => T {
  let loaded: T | undefined;
  return () => {
    loaded ??= require(id) as T;
    return loaded;
  };
}
