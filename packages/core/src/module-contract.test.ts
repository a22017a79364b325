import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXIT, statusSchema } from '@e/module-sdk';
import { describe, expect, it } from 'vitest';
import { REQUIRED_COMMANDS } from './repository/model.js';
import { RESERVED_ENVS } from './repository/rules.js';

/**
 * docs/module-contract.md is the one page a module author reads: every environment variable e
 * sets in a module container and every status value it accepts must be named there. They are read
 * from the code that uses them, so a new one cannot be added without the page.
 */
const root = fileURLToPath(new URL('../../../', import.meta.url));
const read = (path: string) => readFileSync(`${root}${path}`, 'utf8');
const page = read('docs/module-contract.md');

/** The `E_*` keys of the env objects e builds for a module container. */
function envKeys(path: string): string[] {
  return [...read(path).matchAll(/\b(E_[A-Z][A-Z0-9_]*)\s*:/g)].map((m) => m[1] as string);
}

/** The variables the SDK reads (`env.E_...`). */
function sdkReads(path: string): string[] {
  return [...read(path).matchAll(/env\.(E_[A-Z][A-Z0-9_]*)/g)].map((m) => m[1] as string);
}

/** The statuses e's records accept from a module's section (`const STATUSES = new Set([...])`). */
function recordStatuses(): string[] {
  const list = /const STATUSES = new Set\(\[([^\]]*)\]\)/.exec(read('packages/core/src/run/record.ts'))?.[1];
  return [...(list ?? '').matchAll(/'([a-z-]+)'/g)].map((m) => m[1] as string);
}

const named = (name: string) => page.includes(`\`${name}\``);

describe('docs/module-contract.md', () => {
  const variables = [
    ...new Set([
      ...envKeys('packages/core/src/run/execute.ts'),
      ...envKeys('packages/core/src/author/image-target.ts'),
      ...sdkReads('packages/module-sdk/src/run-module.ts'),
      ...sdkReads('packages/module-sdk/src/shared-dir.ts'),
    ]),
  ].sort();

  it('reads the variables from the code (a parser that finds nothing cannot pass)', () => {
    expect(variables).toEqual(expect.arrayContaining(['E_MODULE', 'E_SHARED', 'E_STATE', 'E_INPUTS', 'E_PLATFORM']));
  });

  it('names every environment variable e sets in a module container or the SDK reads', () => {
    expect(variables.filter((name) => !named(name))).toEqual([]);
  });

  it('lets no repository entry set a variable e sets in a module container', () => {
    const set = envKeys('packages/core/src/run/execute.ts');
    expect(set.filter((name) => !RESERVED_ENVS.has(name))).toEqual([]);
  });

  it('names every status value, as e records them and as the SDK checks them', () => {
    const statuses = [...new Set([...recordStatuses(), ...statusSchema.options])].sort();
    expect(statuses).toEqual(['applied', 'destroyed', 'failed', 'initialized']);
    expect(statuses.filter((status) => !named(status))).toEqual([]);
  });

  it('names the required commands and the exit codes of plan and audit', () => {
    expect(REQUIRED_COMMANDS.filter((command) => !named(command))).toEqual([]);
    expect(page).toContain(`**${EXIT.changes}** changes`);
    expect(page).toContain(`**${EXIT.drift}** drift`);
  });
});

describe('the documentation', () => {
  const pages = [
    'README.md',
    'packages/module-sdk/README.md',
    ...readdirSync(`${root}docs`)
      .filter((name) => name.endsWith('.md'))
      .map((name) => `docs/${name}`),
  ];

  it.each(pages)('%s links only to files that exist', (path) => {
    const dir = dirname(path);
    const missing = [...read(path).matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)]
      .map((m) => m[1] as string)
      .filter((target) => !/^[a-z]+:/.test(target) && !existsSync(join(root, dir, target)));
    expect(missing).toEqual([]);
  });

  it.each(pages)('%s names no product.md (it is not in this repository)', (path) => {
    expect(read(path)).not.toContain('product.md');
  });
});
