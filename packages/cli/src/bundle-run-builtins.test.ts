import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const LOADER = require.resolve('../bin/bundle-loader.js');
const { runsModule } = require(LOADER) as { runsModule(args: string[]): boolean };

describe('bin/bundle-loader.js: the Node modules of a module run, required before the tier-up budget', () => {
  it('knows a module run by its command, after the global options', () => {
    for (const args of [
      ['plan', 'hello'],
      ['-r', 'repository.yml', '-s', 'shared', 'module', 'run', 'hello', 'plan'],
      ['--engine=ssh://host', 'apply', 'hello', '-y'],
      ['-oyaml', 'module', 'audit', 'hello'],
      ['init', 'hello'],
    ])
      expect(runsModule(args), args.join(' ')).toBe(true);
    for (const args of [
      ['status'],
      ['repo', 'list'],
      ['module', 'install', 'hello'],
      ['plan', '--show', 'plan.json'],
      ['module', 'run', '--help'],
      ['-r', 'plan', 'status'],
      [],
    ])
      expect(runsModule(args), args.join(' ')).toBe(false);
  });

  it('requires them (with their code cache) only for a module run', () => {
    const loaded = (...args: string[]) =>
      execFileSync(
        process.execPath,
        [
          '-e',
          `require(${JSON.stringify(LOADER)}); console.log(process.moduleLoadList.includes('NativeModule worker_threads'))`,
          '--',
          'e', // in place of the script: process.argv[2] is the first argument, as for bin/e.js
          ...args,
        ],
        { encoding: 'utf8' },
      ).trim();
    expect(loaded('module', 'run', 'hello', 'plan')).toBe('true');
    expect(loaded('status')).toBe('false');
  });
});
