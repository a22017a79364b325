import { describe, expect, it } from 'vitest';
import { staticImports } from './static-imports.mjs';

// What makes the read-only bundle one flat scope (scripts/bundle-cli.mjs): e's dynamic imports of
// its own modules made static, on the module's first line.
describe('staticImports', () => {
  it('binds the names a destructured import takes, renamed ones too, from one namespace per module', () => {
    const source = [
      'export async function run() {',
      "    const { repoList } = await import('./commands/repo-list.js');",
      "    const { loadEConfig, ENGINE_URL: url } = await import('@e/core/repository');",
      "    let { repoList: again } = await import('./commands/repo-list.js');",
      '}',
    ].join('\n');
    expect(staticImports(source, 'run.js')).toBe(
      [
        "import * as __eStatic0 from './commands/repo-list.js'; import * as __eStatic1 from '@e/core/repository'; export async function run() {",
        '    const repoList = __eStatic0.repoList;',
        '    const loadEConfig = __eStatic1.loadEConfig, url = __eStatic1.ENGINE_URL;',
        '    let again = __eStatic0.repoList;',
        '}',
      ].join('\n'),
    );
  });

  it('gives the namespace for any other use, and leaves imports of packages lazy', () => {
    const source = [
      "const errors = (await import('../errors.js')).RuntimeError;",
      "const { default: pg } = await import('pg');",
      "const atomic = await import('write-file-atomic');",
    ].join('\n');
    expect(staticImports(source, 'x.js')).toBe(
      [
        "import * as __eStatic0 from '../errors.js'; const errors = (__eStatic0).RuntimeError;",
        "const { default: pg } = await import('pg');",
        "const atomic = await import('write-file-atomic');",
      ].join('\n'),
    );
  });

  it('leaves a module without such imports as it is', () => {
    const source = "import { join } from 'node:path';\nexport const x = () => import('pg');\n";
    expect(staticImports(source, 'x.js')).toBe(source);
  });

  it('refuses what it cannot rewrite, naming the file, rather than leave it lazy', () => {
    expect(() => staticImports("const { a = 1 } = await import('./a.js');", 'a.js')).toThrow(
      "a.js: cannot make this import static: const { a = 1 } = await import('./a.js');",
    );
    expect(() => staticImports('const m = import("./b.js");', 'b.js')).toThrow(
      'b.js: cannot make this import static: import("./b.js")',
    );
    expect(() => staticImports("const m = await import('./' + name + '.js');", 'c.js')).toThrow('c.js: cannot make');
  });
});
