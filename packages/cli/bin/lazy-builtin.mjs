// The functions of one of Node's modules, the module loaded on the first call (bin/lazy-*.mjs).
import { createRequire } from 'node:module';

/** Makes `lazy(name)`: a function that calls `name` of Node's module `id`, loading it first. */
export function lazyBuiltin(id) {
  let real;
  return (name) =>
    (...args) => {
      real ??= createRequire(import.meta.url)(id);
      return real[name](...args);
    };
}
