import { describe, expect, it } from 'vitest';
import { checkEnvName, isPostgresUrl, parsePostgresTarget } from './target.js';

describe('parsePostgresTarget', () => {
  it('takes e’s schema out of the URL pg connects with, and shows no password', () => {
    const target = parsePostgresTarget('postgres://e:s3cret@db:5432/platform?schema=team_a&sslmode=disable', 'prod');
    expect(target).toEqual({
      connectionString: 'postgres://e:s3cret@db:5432/platform?sslmode=disable',
      schema: 'team_a',
      env: 'prod',
      display: 'postgres://e@db:5432/platform?schema=team_a',
    });
    expect(parsePostgresTarget('postgresql://e@db/x', 'default')).toMatchObject({
      schema: 'e',
      display: 'postgresql://e@db/x',
    });
  });

  it('refuses what is not a postgres URL, a schema that is no plain name, and a bad environment', () => {
    expect(() => parsePostgresTarget('mysql://db/x', 'default')).toThrow(
      /The state URL "mysql:\/\/db\/x" is not a postgres:\/\/ URL\./,
    );
    expect(() => parsePostgresTarget('postgres://e:pw@db/x?schema=a"b', 'default')).toThrow(
      /^The state URL "postgres:\/\/e:\*\*\*@db\/x\?schema=a\\"b" has schema="a\\"b", which is not a plain SQL name\.$/,
    );
    expect(() => parsePostgresTarget('postgres://e@db/x', 'a b')).toThrow(/environment name "a b"/);
  });

  it('knows postgres URLs and environment names', () => {
    expect(isPostgresUrl('POSTGRES://x')).toBe(true);
    expect(isPostgresUrl('./shared')).toBe(false);
    expect(checkEnvName('prod-eu.1_a')).toBe('prod-eu.1_a');
    for (const bad of ['', '-x', '../x', 'x/y', 'x'.repeat(64)]) expect(() => checkEnvName(bad)).toThrow();
  });
});
