import { StateError } from '../errors.js';

/** A parsed `--state postgres://...` URL and environment name. */
export interface PostgresTarget {
  /** What pg connects with: the URL without e's own `schema` parameter. */
  connectionString: string;
  /** Where e's tables live (`?schema=NAME`, default `e`). */
  schema: string;
  env: string;
  /** The URL for messages: no password, no query. */
  display: string;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const ENV = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/** True when `url` names a PostgreSQL state backend (postgres:// or postgresql://). */
export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

/** Checks an environment name (--env, E_ENV): letters, digits, `.`, `_`, `-`, at most 63. */
export function checkEnvName(env: string): string {
  if (!ENV.test(env)) {
    throw new StateError(
      'E_STATE_ENV_INVALID',
      `The environment name ${JSON.stringify(env)} (--env, E_ENV) is not a name e accepts.`,
      {
        hint: 'Use letters, digits, ".", "_" and "-", starting with a letter or digit, at most 63 characters: --env prod.',
      },
    );
  }
  return env;
}

export function parsePostgresTarget(url: string, env: string): PostgresTarget {
  const invalid = (why: string) =>
    new StateError('E_STATE_URL_INVALID', `The state URL ${JSON.stringify(redact(url))} ${why}.`, {
      hint: 'Pass --state postgres://USER@HOST:PORT/DATABASE?schema=e (or set E_STATE_URL).',
    });
  if (!isPostgresUrl(url)) throw invalid('is not a postgres:// URL');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid('cannot be parsed');
  }
  if (parsed.hostname === '' && !parsed.searchParams.has('host')) throw invalid('names no host');
  const schema = parsed.searchParams.get('schema') ?? 'e';
  if (!NAME.test(schema)) throw invalid(`has schema=${JSON.stringify(schema)}, which is not a plain SQL name`);
  parsed.searchParams.delete('schema');
  const display = new URL(parsed.toString());
  display.password = '';
  display.search = '';
  return {
    connectionString: parsed.toString(),
    schema,
    env: checkEnvName(env),
    display: `${display.toString()}${schema === 'e' ? '' : `?schema=${schema}`}`,
  };
}

function redact(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:/@]*):[^@/]*@/i, '$1:***@');
}
