import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (path: string) => fileURLToPath(new URL(`./packages/${path}`, import.meta.url));
// `@e/core` and its subpaths (`@e/core/repository` is src/repository/index.ts, `@e/core/errors` src/errors.ts)
const alias = [
  { find: /^@e\/core$/, replacement: src('core/src/index.ts') },
  { find: /^@e\/core\/errors$/, replacement: src('core/src/errors.ts') },
  { find: /^@e\/core\/([\w-]+)$/, replacement: src('core/src/$1/index.ts') },
  { find: /^@e\/module-sdk$/, replacement: src('module-sdk/src/index.ts') },
];

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts', 'modules/*/src/**/*.test.ts', 'scripts/**/*.test.ts'],
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          // The real engine is shared by every test: one file at a time keeps 2 cores usable.
          fileParallelism: false,
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
