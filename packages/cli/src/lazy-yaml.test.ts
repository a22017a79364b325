import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const yamlId = require.resolve('yaml');

describe('bin/lazy-yaml.cjs: yaml in e bundles, loaded on first use', () => {
  it('has a getter for every name yaml exports, and lists them without loading it', () => {
    const yaml = require('yaml') as Record<string, unknown>;
    delete require.cache[yamlId];
    const shim = require('../bin/lazy-yaml.cjs') as Record<string, unknown> & { NAMES: string[] };
    // every name esbuild's interop may bind, from the yaml this project installs
    expect([...shim.NAMES].sort()).toEqual(Object.keys(yaml).sort());
    // what esbuild's interop does as it binds an import: an object on the module's prototype, with
    // each own property copied (the names are on the prototype: none of them is copied)
    expect(Object.getOwnPropertyNames(shim)).toEqual(['NAMES']);
    const bound = Object.create(Object.getPrototypeOf(shim)) as Record<string, unknown>;
    expect(require.cache[yamlId]).toBeUndefined();
    expect(bound.isMap).toBe(require('yaml').isMap);
    // the first read loaded it (from node_modules: this file is not bundled, there is no yaml.cjs beside it)
    expect(require.cache[yamlId]).toBeDefined();
    expect(shim.parseDocument).toBe(require('yaml').parseDocument);
  });
});
