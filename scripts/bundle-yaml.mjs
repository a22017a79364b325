#!/usr/bin/env node
// The yaml library bundled into one CommonJS file beside e's bundles,
// packages/cli/dist/bundle/yaml.cjs, with V8's code cache of it (yaml.cjs.cache). e's bundles do
// not hold it: they load it on first use (bin/lazy-yaml.cjs), so the commands that never parse
// with it (most runs of those that only read) do not read it, and those that do neither resolve
// its ~40 files in node_modules nor compile them. yaml.cjs.inputs lists every file the bundle was
// made from: bin/bundle-loader.js runs the bundle only while it is newer than each of them (else
// e loads yaml from node_modules). make setup runs this after bundling e.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageBundleOptions, writeBundleInputs } from './package-bundle.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BUNDLE = join(ROOT, 'packages/cli/dist/bundle/yaml.cjs');
const require = createRequire(import.meta.url);
const esbuild = require('esbuild');
const { writeBundleCache } = require('../packages/cli/bin/bundle-loader.js');

// the package's CommonJS build, as e's require('yaml') resolves it
const entry = createRequire(join(ROOT, 'packages/core/package.json')).resolve('yaml');
const result = await esbuild.build(packageBundleOptions(entry, BUNDLE));
writeBundleInputs(BUNDLE, result.metafile, ROOT);

// the code cache, made after what e does with it: read a file keeping positions, change and print
// it (the state), print data (-o yaml)
await writeBundleCache(BUNDLE, async (yaml) => {
  const lineCounter = new yaml.LineCounter();
  const doc = yaml.parseDocument(readFileSync(join(ROOT, 'repository.yml'), 'utf8'), { lineCounter });
  yaml.visit(doc, { Scalar: (_key, node) => yaml.isScalar(node) && lineCounter.linePos(node.range?.[0] ?? 0) });
  doc.setIn(['e', 'installed', 'hello'], doc.createNode({ version: '0.1.0', labels: { kind: 'example' } }));
  doc.toString({ lineWidth: 0 });
  yaml.stringify(yaml.parse(doc.toString()));
});
