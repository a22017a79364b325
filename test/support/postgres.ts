import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.mjs';

/**
 * A throw-away PostgreSQL cluster on 127.0.0.1 for the state backend tests: initdb + pg_ctl of
 * Debian's `postgresql` package (installed by make setup), run as the `postgres` user in a
 * temporary directory it owns, on a free port, with trust authentication for the superuser `e`.
 * It never skips: when it cannot start, the error says why.
 */
export interface TestPostgres {
  /** `postgres://e@127.0.0.1:PORT/postgres` */
  url: string;
  port: number;
  /** A URL for e: this cluster with e's tables in `schema`. */
  stateUrl(schema: string): string;
  stop(): void;
}

export async function startPostgres(): Promise<TestPostgres> {
  const bin = postgresBin();
  const uid = postgresUid();
  const dir = mkdtempSync(join(tmpdir(), 'e-test-pg-'));
  chownSync(dir, uid, uid);
  const data = join(dir, 'data');
  const port = await freePort();
  const asPostgres = (args: string[]) =>
    execFileSync('runuser', ['-u', 'postgres', '--', ...args], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 60_000,
    });
  try {
    asPostgres([join(bin, 'initdb'), '-D', data, '-U', 'e', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
    asPostgres([
      join(bin, 'pg_ctl'),
      '-D',
      data,
      '-l',
      join(dir, 'postgres.log'),
      '-w',
      '-t',
      '60',
      '-o',
      `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off`,
      'start',
    ]);
  } catch (error) {
    const log = existsSync(join(dir, 'postgres.log'))
      ? readFileSync(join(dir, 'postgres.log'), 'utf8').slice(-2000)
      : '';
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? '';
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`The test PostgreSQL cluster did not start: ${(error as Error).message}\n${stderr}\n${log}`);
  }
  const url = `postgres://e@127.0.0.1:${port}/postgres`;
  return {
    url,
    port,
    stateUrl: (schema) => `${url}?schema=${schema}`,
    stop() {
      try {
        asPostgres([join(bin, 'pg_ctl'), '-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** `/usr/lib/postgresql/<newest>/bin`, or a loud error pointing at make setup. */
function postgresBin(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) {
    throw new Error(
      `No PostgreSQL server under ${root} (no bin/initdb). Run "make setup" (it installs Debian's postgresql).`,
    );
  }
  return join(root, versions[0] as string, 'bin');
}

function postgresUid(): number {
  try {
    return Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  } catch {
    throw new Error(
      'There is no "postgres" user to run the test cluster as. Run "make setup" (Debian\'s postgresql creates it).',
    );
  }
}
