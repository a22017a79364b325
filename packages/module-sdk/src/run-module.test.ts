import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { defineModule } from './define-module.js';
import { diffFiles, diffValues } from './diff-values.js';
import { ModuleError } from './errors.js';
import { runModule } from './run-module.js';

const counter = defineModule({
  name: 'counter',
  defaultVersion: '0.1.0',
  metadata: (version) => ({
    labels: { version, kind: 'example' },
    requires: { strong: [[{ key: 'kind', operator: 'eq', values: ['infrastructure'] }]] },
  }),
  config: z.strictObject({ count: z.number().int().min(0) }),
  section: z.looseObject({ status: z.string(), count: z.number().optional() }),
  touches: ['infra'],
  init: (ctx) => ({ config: { count: Number(ctx.args[0] ?? 2) } }),
  plan: (ctx) => ({ changes: diffValues(ctx.section?.count, ctx.config.count, 'count') }),
  apply: (ctx) => {
    if (ctx.config.count === 13) throw new ModuleError('13 is unlucky', { hint: 'pick another count' });
    return {
      section: { status: 'applied', count: ctx.config.count },
      sections: { infra: { ...(ctx.state.infra as object), usedBy: ctx.module } },
      remote: { 'count.txt': `${ctx.config.count}\n` },
    };
  },
  audit: (ctx) => ({ drift: diffFiles({ 'count.txt': `${ctx.section?.count}\n` }, ctx.remote) }),
  commands: {
    greedy: () => ({ sections: { other: { mine: true } } }),
    boom: () => {
      throw new TypeError('cannot read properties of undefined');
    },
  },
});

let shared: string;
beforeEach(async () => {
  shared = await mkdtemp(join(tmpdir(), 'e-sdk-'));
});
afterEach(async () => {
  await rm(shared, { recursive: true, force: true });
});

async function run(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runModule(counter, {
    argv: ['node', 'module.mjs', ...argv],
    env: { E_SHARED: shared },
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
  });
  return { code, stdout, stderr };
}

const state = async () => parse(await readFile(join(shared, 'state.yml'), 'utf8'));
const filesUnder = async (dir: string) =>
  (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((entry) => !entry.isDirectory())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();

describe('runModule', () => {
  it('prints exactly labels/requires/influences for metadata', async () => {
    const { code, stdout } = await run('metadata');
    expect(code).toBe(0);
    expect(parse(stdout)).toEqual({
      labels: { version: '0.1.0', kind: 'example' },
      requires: { strong: [[{ key: 'kind', operator: 'eq', values: ['infrastructure'] }]] },
    });
  });

  it('runs init -> plan (2) -> apply -> plan (0) -> audit (0), keeping other sections and comments', async () => {
    await writeFile(join(shared, 'state.yml'), '# hand-written\ninfra:\n  nodes: 3 # keep me\ne:\n  records: []\n');
    expect((await run('init', '4')).code).toBe(0);
    expect(parse(await readFile(join(shared, 'counter-config.yml'), 'utf8'))).toEqual({ counter: { count: 4 } });
    expect((await state()).counter).toEqual({ status: 'initialized' });
    const plan = await run('plan');
    expect(plan.code).toBe(2);
    expect(plan.stdout).toContain('+ count: 4');
    expect((await run('apply')).code).toBe(0);
    expect((await run('plan')).code).toBe(0);
    expect((await run('audit')).code).toBe(0);
    const text = await readFile(join(shared, 'state.yml'), 'utf8');
    expect(text).toContain('# hand-written');
    expect(text).toContain('nodes: 3 # keep me');
    expect(parse(text)).toEqual({
      infra: { nodes: 3, usedBy: 'counter' },
      e: { records: [] },
      counter: { status: 'applied', count: 4 },
    });
  });

  it('writes only what the module owns: state.yml, its config and files under <module>/', async () => {
    await run('init', '2');
    await run('apply');
    expect(await filesUnder(shared)).toEqual(['counter-config.yml', 'counter/remote/count.txt', 'state.yml']);
  });

  it('exits 3 when the mocked remote was changed by hand', async () => {
    await run('init', '1');
    await run('apply');
    await writeFile(join(shared, 'counter', 'remote', 'count.txt'), '7\n');
    const audit = await run('audit');
    expect(audit.code).toBe(3);
    expect(audit.stdout).toContain('count.txt');
  });

  it('fails plan with one clear sentence when there is no config', async () => {
    const { code, stderr } = await run('plan');
    expect(code).toBe(1);
    expect(stderr).toMatch(/^counter plan: .*counter-config\.yml does not exist\nhint: run init first/);
  });

  it('reports an invalid config with file:line:col and path', async () => {
    await writeFile(join(shared, 'counter-config.yml'), 'counter:\n  count: -1\n');
    const { code, stderr } = await run('plan');
    expect(code).toBe(1);
    expect(stderr).toContain('counter-config.yml:2:10: counter.count:');
  });

  it('marks the section failed when apply fails, with no stack', async () => {
    await run('init', '13');
    const { code, stderr } = await run('apply');
    expect(code).toBe(1);
    expect(stderr).toBe('counter apply: 13 is unlucky\nhint: pick another count\n');
    expect((await state()).counter.status).toBe('failed');
  });

  it('refuses to change a section the module may not touch, and writes nothing', async () => {
    await writeFile(join(shared, 'state.yml'), 'other: {mine: false}\n');
    const { code, stderr } = await run('greedy');
    expect(code).toBe(1);
    expect(stderr).toContain('not allowed to touch');
    expect(await state()).toEqual({ other: { mine: false } });
  });

  it('says a non-ModuleError is a bug, without a stack', async () => {
    const { code, stderr } = await run('boom');
    expect(code).toBe(1);
    expect(stderr).toBe('counter boom: unexpected error (a bug in the module): cannot read properties of undefined\n');
  });

  it('rejects an unknown command and lists the known ones', async () => {
    const { code, stderr } = await run('scale');
    expect(code).toBe(1);
    expect(stderr).toContain('unknown command "scale"');
    expect(stderr).toContain('metadata, init, plan, apply, audit, greedy, boom');
  });

  it('reports a state.yml that is not a mapping', async () => {
    await writeFile(join(shared, 'state.yml'), '- a\n- b\n');
    const { code, stderr } = await run('audit');
    expect(code).toBe(1);
    expect(stderr).toContain('expected a YAML mapping');
  });
});

describe('audit output', () => {
  it('names the first line that differs in a changed remote file', async () => {
    await run('init', '1');
    await run('apply');
    await writeFile(join(shared, 'counter', 'remote', 'count.txt'), '7\n');
    const { stdout } = await run('audit');
    expect(stdout).toContain('~ count.txt: line 1: "1" (expected) is now "7"');
  });
});
