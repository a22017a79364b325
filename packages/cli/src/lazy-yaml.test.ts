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
    // what esbuild's interop does as it binds an import: lists the names and their descriptors
    for (const name of Object.getOwnPropertyNames(shim)) Object.getOwnPropertyDescriptor(shim, name);
    expect(require.cache[yamlId]).toBeUndefined();
    // the first read loads it (from node_modules: this file is not bundled, there is no yaml.cjs beside it)
    expect(shim.parseDocument).toBe(require('yaml').parseDocument);
    expect(require.cache[yamlId]).toBeDefined();
  });
});
