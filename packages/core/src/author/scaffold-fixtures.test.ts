import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { baseImageRef } from './base-image.js';
import { scaffoldModule } from './scaffold-module.js';
import { moduleSdkVersion } from './sdk-package.js';
import { withEntry } from './write-scaffold.js';

/**
 * test/fixtures/author-outside/ is what the author guide's two `e module new ... --add-to-repository`
 * commands write in a directory outside e's repository; test/author-outside.test.ts copies it and
 * builds, tests, validates and installs both modules. Generated: after changing the scaffold,
 * regenerate it with
 *   node_modules/.bin/vitest run --project unit packages/core/src/author/scaffold-fixtures.test.ts -u
 */
const fixtures = fileURLToPath(new URL('../../../../test/fixtures/author-outside/', import.meta.url));

function outsideScaffold(name: string, template: 'node' | 'shell') {
  return scaffoldModule({
    name,
    version: '0.1.0',
    image: `localhost:5000/modules/${name}:0.1.0`,
    template,
    base: baseImageRef(),
    sdk: `^${moduleSdkVersion()}`,
  });
}

const greeter = outsideScaffold('greeter', 'node');
const greeterSh = outsideScaffold('greeter-sh', 'shell');
const expected: Record<string, string> = {
  'repository.yml': withEntry(
    `version: v1\nkind: Repository\ncomponents:\n${greeter.entry}`,
    'repository.yml',
    'greeter-sh',
    greeterSh.entry,
  ),
  ...Object.fromEntries(Object.entries(greeter.files).map(([path, text]) => [`greeter/${path}`, text])),
  ...Object.fromEntries(Object.entries(greeterSh.files).map(([path, text]) => [`greeter-sh/${path}`, text])),
};

function listed(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .filter((path) => !path.includes('node_modules/') && !path.startsWith('greeter/dist/'))
    .sort();
}

describe('test/fixtures/author-outside', () => {
  it.each(Object.keys(expected).sort())('%s is what e module new writes', async (path) => {
    await expect(expected[path]).toMatchFileSnapshot(join(fixtures, path));
  });

  it('holds nothing else', () => {
    expect(listed(fixtures)).toEqual(Object.keys(expected).sort());
  });
});
