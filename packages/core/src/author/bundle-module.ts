import { createRequire } from 'node:module';
import { join } from 'node:path';
import type * as Esbuild from 'esbuild';
import { RuntimeError } from '../errors.js';

/**
 * Bundles a Node module's entry point and everything it imports (the SDK, zod, ...) into one ES
 * module for Node 18, the Node.js of the base image. esbuild is loaded at run time, from e's own
 * installation, so `e --help` never loads it and a CLI bundle never contains it.
 */
export async function bundleModule(dir: string, entry: string): Promise<Uint8Array> {
  const esbuild = loadEsbuild();
  let result: Esbuild.BuildResult<{ write: false }>;
  try {
    result = await esbuild.build({
      entryPoints: [join(dir, entry)],
      absWorkingDir: dir,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node18',
      write: false,
      legalComments: 'none',
      logLevel: 'silent',
      // bundled CommonJS dependencies may call require() for Node built-ins
      banner: {
        js: "import { createRequire as __eCreateRequire } from 'node:module'; const require = __eCreateRequire(import.meta.url);",
      },
    });
  } catch (error) {
    const errors = (error as { errors?: Esbuild.Message[] }).errors ?? [];
    const lines = errors.map(
      (m) => `${m.location ? `${m.location.file}:${m.location.line}:${m.location.column + 1} ` : ''}${m.text}`,
    );
    throw new RuntimeError(
      'E_BUNDLE_FAILED',
      `Bundling ${entry} of ${dir} failed:\n  ${lines.join('\n  ') || (error as Error).message}`,
      {
        hint: lines.some((l) => /Could not resolve/.test(l))
          ? 'Install the module’s dependencies first (npm install in the module directory).'
          : undefined,
      },
    );
  }
  const output = result.outputFiles[0];
  if (output === undefined) throw new RuntimeError('E_BUNDLE_FAILED', `Bundling ${entry} of ${dir} produced nothing.`);
  return output.contents;
}

function loadEsbuild(): typeof Esbuild {
  try {
    return createRequire(import.meta.url)('esbuild') as typeof Esbuild;
  } catch (error) {
    throw new RuntimeError('E_BUNDLER_MISSING', 'e cannot load esbuild, which bundles Node modules.', {
      hint: 'Run npm install in e’s checkout (esbuild is one of its dependencies).',
      cause: error,
    });
  }
}
