// The functions of one of Node's modules, the module loaded on the first call (bin/lazy-*.mjs):
// with process.getBuiltinModule where Node has it (20.16), without loading node:module. The shims
// mark each lazy() call pure, so that a bundle keeps only the functions e's code imports.
import { createRequire } from 'node:module';

/** Makes `lazy(name)`: a function that calls `name` of Node's module `id`, loading it first. */
export function lazyBuiltin(id) {
  let real;
  return (name) =>
    (...args) => {
      real ??= process.getBuiltinModule?.(id) ?? createRequire(import.meta.url)(id);
      return real[name](...args);
    };
}
