import { createRequire } from 'node:module';

let require: NodeJS.Require | undefined;

/**
 * Loads a CommonJS dependency on first use, so a command loads only what it needs: semver and
 * json-logic-js are loaded by the commands that match selectors, zod only when a repository file
 * is invalid or its JSON Schema is asked for; node:https and node:child_process only for the
 * registries and engines that need them.
 */
export function lazyRequire<T>(id: string): () => T {
  let loaded: T | undefined;
  return () => {
    // made on first use: in e's bundles import.meta.url is made then too (scripts/bundle-cli.mjs)
    require ??= createRequire(import.meta.url);
    loaded ??= require(id) as T;
    return loaded;
  };
}
