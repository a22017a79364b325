// What the bundles of packages from node_modules beside e's bundles (dockerode.cjs, yaml.cjs)
// share: esbuild's options for one such file, and FILE.inputs, the files the bundle was made from
// and the package.json of each package they belong to, as paths relative to the bundle's
// directory. bin/bundle-loader.js (loadFreshBundle) runs the bundle only while it is newer than
// each of them.
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/** Writes BUNDLE.inputs from esbuild's metafile (inputs relative to ROOT; `skip` leaves some out). */
export function writeBundleInputs(bundle, metafile, root, skip = () => false) {
  const inputs = new Set();
  for (const input of Object.keys(metafile.inputs)) {
    if (skip(input)) continue;
    inputs.add(resolve(root, input));
    let dir = dirname(resolve(root, input));
    while (!dir.endsWith('node_modules') && dir !== root && dir !== dirname(dir)) {
      const manifest = join(dir, 'package.json');
      if (existsSync(manifest)) {
        inputs.add(manifest);
        break;
      }
      dir = dirname(dir);
    }
  }
  writeFileSync(
    `${bundle}.inputs`,
    `${JSON.stringify([...inputs].map((input) => relative(dirname(bundle), input)))}\n`,
  );
}

/** esbuild's options for such a bundle of `entry` written to `outfile` (add plugins as needed). */
export function packageBundleOptions(entry, outfile) {
  return {
    entryPoints: [entry],
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    outfile,
    minifyWhitespace: true,
    minifySyntax: true,
    metafile: true,
    logLevel: 'warning',
    // the function Node wraps a CommonJS module in, as in e.cjs: bin/bundle-loader.js compiles the file as read
    banner: { js: '(function (exports, require, module, __filename, __dirname) {' },
    footer: { js: '})' },
  };
}
