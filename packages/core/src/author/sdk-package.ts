import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';

/** The version of @e/module-sdk this e comes with: what a new Node module depends on. */
export function moduleSdkVersion(): string {
  const entry = createRequire(import.meta.url).resolve('@e/module-sdk');
  const pkg = JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

/**
 * The checkout of e that `dir` lies in (the directory holding packages/module-sdk), or undefined:
 * there a new module is a workspace that uses the SDK's source; elsewhere it installs the SDK.
 */
export function enclosingECheckout(dir: string): string | undefined {
  for (let current = resolve(dir); ; current = dirname(current)) {
    const manifest = join(current, 'packages/module-sdk/package.json');
    if (existsSync(manifest)) {
      const { name } = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string };
      if (name === '@e/module-sdk') return current;
    }
    if (dirname(current) === current) return undefined;
  }
}
