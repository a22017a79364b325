import { describe, expect, it } from 'vitest';
import { isEError } from '../errors.js';
import { configSchema, eConfigJsonSchema, eConfigPath, parseEConfig, plainConfig } from './e-config.js';

function refusal(text: string): { message: string; hint?: string } {
  try {
    parseEConfig(text, '/team/e.yml');
  } catch (error) {
    if (!isEError(error)) throw error;
    expect(error.code).toBe('E_CONFIG_INVALID');
    return { message: error.message, hint: error.hint };
  }
  throw new Error('e.yml was accepted');
}

describe('e.yml', () => {
  it('reads every setting; a relative repository path is relative to the file', () => {
    const config = parseEConfig(
      'repository: platform/repository.yml\nstate: postgres://e@db:5432/e?schema=e\nenv: prod\nplatform: linux/arm64\nengine: ssh://ops@builder\noutput: json\nprefer: [rook]\n',
      '/team/e.yml',
    );
    expect(config).toEqual({
      file: '/team/e.yml',
      repository: '/team/platform/repository.yml',
      state: 'postgres://e@db:5432/e?schema=e',
      env: 'prod',
      platform: 'linux/arm64',
      engine: 'ssh://ops@builder',
      output: 'json',
      prefer: ['rook'],
    });
  });

  it('keeps a repository URL as written, and an empty file means no settings', () => {
    expect(parseEConfig('repository: https://example.org/repository.yml\n', '/t/e.yml').repository).toBe(
      'https://example.org/repository.yml',
    );
    expect(parseEConfig('', '/t/e.yml')).toEqual({ file: '/t/e.yml' });
  });

  it('refuses an unknown setting with its position and a guess', () => {
    const { message, hint } = refusal('env: prod\nstatee: postgres://x@y/z\n');
    expect(message).toBe('/team/e.yml:2:1 statee: unknown setting "statee".');
    expect(hint).toBe('did you mean state?');
  });

  it('refuses wrong values, one sentence naming the first and counting the others', () => {
    const { message } = refusal('output: xml\nenv: -bad\nengine: docker.example.org\n');
    expect(message).toMatch(
      /^\/team\/e\.yml:1:9 output: must be text, json or yaml, not .*xml.* \(and 2 more problems\)\.$/,
    );
  });

  it('refuses a platform e cannot parse, and YAML that is not a map', () => {
    expect(refusal('platform: linux\n').message).toMatch(
      /^\/team\/e\.yml:1:11 platform: platform "linux" names an operating system/,
    );
    expect(refusal('- a\n- b\n').message).toMatch(/^\/team\/e\.yml:1:1: e\.yml must be a map of settings/);
    expect(refusal('env: [\n').message).toMatch(/^\/team\/e\.yml:\d+:\d+: /);
  });

  it('is looked for next to a local repository file, else in the working directory', () => {
    expect(eConfigPath('../platform/repository.yml', '/srv/x')).toBe('/srv/platform/e.yml');
    expect(eConfigPath('https://example.org/r.yml', '/srv/x')).toBe('/srv/x/e.yml');
    expect(eConfigPath(undefined, '/srv/x')).toBe('/srv/x/e.yml');
  });

  it('has a JSON Schema that lists every setting and nothing else', () => {
    const schema = eConfigJsonSchema() as { properties: Record<string, unknown>; additionalProperties: boolean };
    expect(Object.keys(schema.properties).sort()).toEqual([
      'engine',
      'env',
      'output',
      'platform',
      'prefer',
      'repository',
      'state',
    ]);
    expect(schema.additionalProperties).toBe(false);
  });
});

describe('the check without zod', () => {
  it('accepts only settings the schema accepts, and the plain ones', () => {
    const values: unknown[] = [
      'x',
      '',
      'prod',
      'p r o d',
      '-prod',
      'prod.1_a-b',
      'tcp://host:2375',
      'TCP://HOST:1',
      'ssh://ops@builder',
      'ftp://host',
      'unix://',
      'unix:///var/run/docker.sock x',
      'text',
      'json',
      'yaml',
      'JSON',
      'linux/arm64',
      1,
      true,
      null,
      {},
      [],
      ['rook'],
      ['rook', ''],
      ['rook', 1],
      [['rook']],
    ];
    const fields = ['repository', 'state', 'env', 'platform', 'engine', 'output', 'prefer', 'unknown', '__proto__'];
    let plain = 0;
    for (const field of fields) {
      for (const value of values) {
        // as YAML gives them: own keys, also __proto__
        const single = JSON.parse(`{${JSON.stringify(field)}: ${JSON.stringify(value)}}`);
        for (const config of [single, { ...single, env: 'prod' }]) {
          const schema = configSchema().safeParse(config).success;
          if (plainConfig(config)) {
            plain++;
            expect(schema, JSON.stringify(config)).toBe(true);
          }
        }
      }
    }
    expect(plain).toBeGreaterThan(20);
    const every = {
      repository: 'r.yml',
      state: 's',
      env: 'prod',
      platform: 'linux/amd64',
      engine: 'tcp://h:1',
      output: 'yaml',
      prefer: ['a'],
    };
    expect(plainConfig(every)).toBe(true);
  });
});

describe('docs/e.schema.json', () => {
  it('equals eConfigJsonSchema() (regenerate with the snippet in docs/team.md)', async () => {
    const { readFileSync } = await import('node:fs');
    const { fileURLToPath } = await import('node:url');
    const path = fileURLToPath(new URL('../../../../docs/e.schema.json', import.meta.url));
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual(eConfigJsonSchema());
  });
});
