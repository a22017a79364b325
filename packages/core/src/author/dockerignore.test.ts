import { describe, expect, it } from 'vitest';
import { DockerIgnore } from './dockerignore.js';

describe('DockerIgnore', () => {
  it.each([
    // pattern text, path, excluded
    ['node_modules', 'node_modules/zod/index.js', true],
    ['node_modules', 'src/node_modules.ts', false],
    ['*.md', 'README.md', true],
    ['*.md', 'docs/guide.md', false],
    ['**/*.md', 'docs/guide.md', true],
    ['**/*.md', 'README.md', true],
    ['docs/**', 'docs/a/b.txt', true],
    ['/tests/', 'tests/plan.yml', true],
    ['./dist//x', 'dist/x', true],
    ['file?.txt', 'file1.txt', true],
    ['file?.txt', 'file10.txt', false],
    ['a.b', 'axb', false],
    ['# a comment', '# a comment', false],
    ['*\n!dist/module.mjs\n!files', 'dist/module.mjs', false],
    ['*\n!dist/module.mjs\n!files', 'dist/index.js', true],
    ['*\n!dist/module.mjs\n!files', 'files/conf/a.yml', false],
    ['*\n!dist/module.mjs\n!files', 'src/index.ts', true],
    ['*\n!module.sh', 'module.sh', false],
    ['*.md\n!README.md', 'README.md', false],
    ['!README.md\n*.md', 'README.md', true],
  ])('%j: %s excluded %s', (text, path, excluded) => {
    expect(new DockerIgnore(text).excludes(path)).toBe(excluded);
  });

  it('walks into an excluded directory only when an exception may bring something back from it', () => {
    const ignore = new DockerIgnore('*\n!dist/module.mjs\n!files');
    expect(ignore.mayIncludeBelow('node_modules')).toBe(false);
    expect(ignore.mayIncludeBelow('dist')).toBe(true);
    expect(new DockerIgnore('node_modules\n!**/keep').mayIncludeBelow('node_modules')).toBe(true);
  });
});
