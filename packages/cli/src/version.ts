import { readFileSync } from 'node:fs';

/** The CLI's version, read from its package.json (cheap: no other module is loaded). */
export function cliVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
