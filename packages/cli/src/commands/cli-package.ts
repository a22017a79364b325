import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { ArchiveError, type ArchiveFile, npmPackageTarball } from '@e/core/offline';

/** Set by the standalone e (the package this makes): the modules e otherwise loads lazily, bundled. */
declare global {
  var __eBundled: Record<string, unknown> | undefined;
}

/** The modules e loads with createRequire (lazily), imported statically by the standalone's entry. */
const LAZY = {
  semver: "import m from 'semver'",
  'json-logic-js': "import m from 'json-logic-js'",
  zod: "import * as m from 'zod'",
  diff: "import * as m from 'diff'",
  yaml: "import * as m from 'yaml'",
  dockerode: "import m from 'dockerode'",
} as const;

/**
 * The e command line as an npm package for the archive: one self-contained file (e's code and
 * every dependency bundled by esbuild, so `npm install -g e-cli-VERSION.tgz` needs no registry)
 * and its package.json. Made from the built CLI (dist/main.js); a standalone e re-packs itself.
 */
export async function cliPackage(version: string): Promise<ArchiveFile> {
  const main = fileURLToPath(new URL('../main.js', import.meta.url));
  let code: Buffer;
  if (globalThis.__eBundled !== undefined) code = await readFile(fileURLToPath(import.meta.url));
  else if (existsSync(main)) code = await bundle(main, version);
  else
    throw new ArchiveError('E_EXPORT_INPUT', `The built e command line (${main}) is missing.`, {
      hint: 'Run make setup, or pass --without-cli.',
    });
  const packageJson = {
    name: 'e-cli',
    version,
    description: 'e: compose a platform out of Dockerized modules (standalone, for offline sites)',
    type: 'module',
    bin: { e: 'e.mjs' },
    engines: { node: '>=20' },
    license: 'UNLICENSED',
  };
  const bytes = await npmPackageTarball([
    { name: 'package.json', bytes: Buffer.from(`${JSON.stringify(packageJson, null, 2)}\n`) },
    { name: 'e.mjs', bytes: code },
  ]);
  return {
    name: `e-cli-${version}.tgz`,
    bytes,
    size: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
  };
}

async function bundle(main: string, version: string): Promise<Buffer> {
  let esbuild: typeof import('esbuild');
  try {
    esbuild = createRequire(import.meta.url)('esbuild') as typeof import('esbuild');
  } catch {
    throw new ArchiveError('E_EXPORT_INPUT', 'esbuild, which makes the e package, cannot be loaded.', {
      hint: 'Run make setup, or pass --without-cli.',
    });
  }
  const imports = Object.entries(LAZY).map(
    ([id, line], i) =>
      `${line.replace(' m ', ` m${i} `).replace('* as m ', `* as m${i} `)};\nbundled[${JSON.stringify(id)}] = m${i};`,
  );
  const entry = [
    'const bundled = {};',
    ...imports,
    'globalThis.__eBundled = bundled;',
    `if ((process.argv[2] === '--version' || process.argv[2] === '-v') && process.argv.length === 3) { process.stdout.write(${JSON.stringify(`${version}\n`)}); }`,
    `else { const { main } = await import(${JSON.stringify(main)}); process.exitCode = await main(process.argv); }`,
  ].join('\n');
  const result = await esbuild.build({
    stdin: {
      contents: entry,
      resolveDir: fileURLToPath(new URL('.', import.meta.url)),
      sourcefile: 'e-standalone.mjs',
      loader: 'js',
    },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    write: false,
    minify: true,
    legalComments: 'none',
    // ssh2's optional native parts (it works without them); esbuild itself (e module build needs it) stays out
    external: ['cpu-features', '*.node', 'esbuild'],
    banner: {
      js: [
        '#!/usr/bin/env node',
        "import { createRequire as __eCreateRequire } from 'node:module';",
        "import { fileURLToPath as __eFileURLToPath } from 'node:url';",
        "import { dirname as __eDirname } from 'node:path';",
        'const require = __eCreateRequire(import.meta.url);',
        'const __filename = __eFileURLToPath(import.meta.url);',
        'const __dirname = __eDirname(__filename);',
      ].join('\n'),
    },
    plugins: [
      {
        name: 'e-bundled-require',
        setup(build) {
          // e's own createRequire(import.meta.url)(id) calls: served from the bundled table first
          build.onLoad({ filter: /[\\/](core|cli)[\\/]dist[\\/].*\.js$/ }, async (args) => {
            let contents = await readFile(args.path, 'utf8');
            if (contents.includes("from 'node:module'")) {
              contents = contents.replace(
                /import \{ createRequire \} from 'node:module';/,
                "import { createRequire as __nodeCreateRequire } from 'node:module';\nconst createRequire = (from) => { const real = __nodeCreateRequire(from); const r = (id) => globalThis.__eBundled?.[id] ?? real(id); r.resolve = real.resolve; r.cache = real.cache; return r; };",
              );
            }
            if (args.path.endsWith('dockerode-runtime.js')) {
              contents = contents.replace(
                'export function loadDockerode() {',
                'export function loadDockerode() {\n    if (globalThis.__eBundled?.dockerode) return globalThis.__eBundled.dockerode;',
              );
            }
            return { contents, loader: 'js' };
          });
        },
      },
    ],
    logLevel: 'silent',
  });
  const out = result.outputFiles[0];
  if (out === undefined) throw new ArchiveError('E_EXPORT_INPUT', 'Bundling the e command line produced nothing.');
  return Buffer.from(out.contents);
}
