import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/** The argument handling of scripts/build-images.mjs: nothing here reaches the engine. */
const script = fileURLToPath(new URL('./build-images.mjs', import.meta.url));
const run = (...args: string[]) =>
  spawnSync(process.execPath, [script, ...args], { encoding: 'utf8', timeout: 30_000 });

describe('scripts/build-images.mjs', () => {
  it.each([['--help'], ['-h']])('%s prints the usage and builds nothing', (flag) => {
    const result = run(flag);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^usage: node scripts\/build-images\.mjs \[--only NAME\.\.\.\]/);
    expect(result.stdout).not.toContain('==>');
  });

  it('refuses --only with a module it does not have, naming the ones it has and e module build', () => {
    const result = run('--only', 'outside');
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /^build-images: no module outside under modules\/ or test\/modules\/ \(there: .*kafka/,
    );
    expect(result.stderr).toContain('e module build DIR --push');
    expect(result.stdout).toBe('');
  });

  it.each([[['--only']], [['--bogus']], [['kafka']]])('refuses %j with the usage', (args) => {
    const result = run(...args);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('usage: node scripts/build-images.mjs');
  });
});
