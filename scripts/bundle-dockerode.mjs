#!/usr/bin/env node
// dockerode (with docker-modem and the little they need) bundled into one CommonJS file beside e's
// bundle, packages/cli/dist/bundle/dockerode.cjs, with V8's code cache of it (dockerode.cjs.cache):
// a module run then neither resolves dockerode's ~25 files in node_modules nor compiles them
// (docs/runtime.md, "Start-up cost"). What dockerode requires when it loads but e never uses
// (@e/core's dockerode-stand-ins.ts) is not bundled: a call of bundledStandIn takes its place,
// which loads the real module from node_modules on first use. dockerode.cjs.inputs lists every
// file the bundle was made from: bin/bundle-loader.js runs the bundle only while it is newer than
// each of them (else e loads dockerode from node_modules). make setup runs this after `tsc -b`.
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageBundleOptions, writeBundleInputs } from './package-bundle.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BUNDLE = join(ROOT, 'packages/cli/dist/bundle/dockerode.cjs');
const STAND_INS = join(ROOT, 'packages/core/dist/runtime/dockerode-stand-ins.js');
const require = createRequire(import.meta.url);
const esbuild = require('esbuild');
const { dockerodeStandIns } = await import(STAND_INS);
const { writeBundleCache } = require('../packages/cli/bin/bundle-loader.js');

const dockerode = require.resolve('dockerode');
const packageDirs = {
  dockerode: dirname(require.resolve('dockerode/package.json')),
  'docker-modem': dirname(createRequire(dockerode).resolve('docker-modem/package.json')),
};
// every stand-in there may be, also debug's (only a run without DEBUG gets it)
const standIns = dockerodeStandIns({});

const result = await esbuild.build({
  ...packageBundleOptions(dockerode, BUNDLE),
  plugins: [
    {
      name: 'e-dockerode-stand-ins',
      setup(build) {
        build.onResolve({ filter: /.*/ }, (args) => {
          const standIn = standIns.find(
            ({ from, id }) => id === args.path && args.importer.startsWith(`${packageDirs[from]}/`),
          );
          return standIn && { path: `${standIn.from}:${standIn.id}`, namespace: 'e-stand-in' };
        });
        build.onLoad({ filter: /.*/, namespace: 'e-stand-in' }, (args) => {
          const [from, id] = args.path.split(/:(.*)/);
          return {
            contents: `module.exports = require(${JSON.stringify(STAND_INS)}).bundledStandIn(${JSON.stringify(from)}, ${JSON.stringify(id)}, require);`,
            resolveDir: ROOT,
          };
        });
      },
    },
  ],
});

writeBundleInputs(BUNDLE, result.metafile, ROOT, (input) => input.startsWith('e-stand-in:'));

// the code cache, made after what a run calls first: a client, and requests (to a socket that is not there)
const empty = mkdtempSync(join(tmpdir(), 'e-bundle-dockerode-'));
try {
  await writeBundleCache(BUNDLE, async (Docker) => {
    const docker = new Docker({ socketPath: join(empty, 'docker.sock') });
    const failing = (promise) =>
      promise.then(
        () => undefined,
        () => undefined,
      );
    await failing(docker.info());
    await failing(docker.getImage('e').inspect());
    await failing(docker.createContainer({ Image: 'e' }));
    await failing(docker.getContainer('e').wait({ condition: 'next-exit' }));
  });
} finally {
  rmSync(empty, { recursive: true, force: true });
}
