import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, renderErrorCodes } from './error-codes.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));

/** Environment variables e reads or sets, which look like codes but are not. */
const ENV_NAMES = new Set([
  'E_COMMAND',
  'E_ENV',
  'E_INPUTS',
  'E_MODULE',
  'E_PACKAGE_MIRROR',
  'E_PLAN_FILE',
  'E_PLATFORM',
  'E_REPOSITORY',
  'E_SHARED',
  'E_STATE',
  'E_STATE_URL',
  'E_TEST_REGISTRY',
  'E_VERSION',
]);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((f) => f.isFile() && f.name.endsWith('.ts') && !f.name.endsWith('.test.ts') && !f.name.endsWith('.d.ts'))
    .map((f) => join(f.parentPath, f.name));
}

/** Every 'E_…' literal in the source of the packages, with the first file it is in. */
function codesInSource(): Map<string, string> {
  const found = new Map<string, string>();
  for (const pkg of readdirSync(join(root, 'packages'))) {
    for (const file of sourceFiles(join(root, 'packages', pkg, 'src'))) {
      for (const [, code] of readFileSync(file, 'utf8').matchAll(/'(E_[A-Z0-9_]+)'/g)) {
        if (!ENV_NAMES.has(code!) && !found.has(code!)) found.set(code!, file.slice(root.length));
      }
    }
  }
  return found;
}

describe('error codes', () => {
  it('lists every code the source uses, and only those', () => {
    const used = codesInSource();
    const unlisted = [...used].filter(([code]) => !(code in ERROR_CODES)).map(([code, file]) => `${code} (${file})`);
    expect(unlisted, 'add these to packages/core/src/error-codes.ts with their meaning').toEqual([]);
    const unused = Object.keys(ERROR_CODES).filter((code) => !used.has(code));
    expect(unused, 'no source uses these codes: remove them from error-codes.ts').toEqual([]);
  });

  it('gives each code one line of meaning that ends with a full stop', () => {
    for (const [code, meaning] of Object.entries(ERROR_CODES)) {
      expect(meaning, code).toMatch(/^[^\n]+\.$/);
    }
  });

  // docs/errors.md is generated: after changing error-codes.ts, regenerate it with
  // node_modules/.bin/vitest run --project unit packages/core/src/error-codes.test.ts -u
  it('docs/errors.md is renderErrorCodes()', async () => {
    await expect(renderErrorCodes()).toMatchFileSnapshot(join(root, 'docs/errors.md'));
  });
});
