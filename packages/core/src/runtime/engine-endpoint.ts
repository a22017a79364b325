import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The Docker engine DOCKER_HOST names (or --engine, which sets it), read the way docker-modem
 * reads it where the two meet: an unset or empty DOCKER_HOST, and one that starts with `unix://`
 * (lower case), is the local socket; `npipe://` a Windows pipe; tcp://, http://, https:// (any
 * case) an engine over TCP; ssh:// (any case) one reached through the system ssh (ssh-dial.ts).
 * A value without `//` (`localhost:2375`) is TCP, as docker-modem and the docker CLI read it.
 * Anything else is `other` (an unknown scheme): docker-modem sends HTTP to whatever host it
 * names, so e counts it as remote too (it never bind-mounts for an engine it cannot place).
 * `given` is DOCKER_HOST as set, for messages. Never throws: an ssh:// URL that does not parse
 * carries the error (`invalid`), for the one place that needs its parts (engineOptions).
 */
export type EngineEndpoint =
  /** `socketPath` undefined: the default socket (defaultSocketPath). */
  | { kind: 'unix'; given: string | undefined; socketPath: string | undefined }
  /** `pipePath` undefined: docker-modem's default pipe. */
  | { kind: 'npipe'; given: string; pipePath: string | undefined }
  /** `host` (IPv6 without brackets) and `port` undefined when absent or when the URL does not parse. */
  | { kind: 'tcp'; given: string; scheme: 'tcp' | 'http' | 'https'; host: string | undefined; port: string | undefined }
  | SshEndpoint
  | { kind: 'other'; given: string };

/** ssh://[user@]host[:port]. */
export interface SshEndpoint {
  kind: 'ssh';
  given: string;
  /** As the URL writes it (percent-encoded; `j%40doe`), undefined when the URL names none. */
  user: string | undefined;
  /** The host name; an IPv6 address without its brackets. */
  host: string;
  port: string | undefined;
  /** host[:port] as the URL writes it (an IPv6 address in brackets), for messages. */
  address: string;
  /** Why the URL does not parse (the other fields are then empty). */
  invalid?: TypeError;
}

const REMOTE_SCHEME = /^(tcp|ssh|https?):\/\//i;

export function engineEndpoint(env: NodeJS.ProcessEnv = process.env): EngineEndpoint {
  const given = env.DOCKER_HOST;
  if (given === undefined || given === '') return { kind: 'unix', given, socketPath: undefined };
  if (given.startsWith('unix://'))
    return { kind: 'unix', given, socketPath: given.slice('unix://'.length) || undefined };
  if (given.startsWith('npipe://'))
    return { kind: 'npipe', given, pipePath: given.slice('npipe://'.length) || undefined };
  const spelled = given.includes('//') ? given : `tcp://${given}`;
  const scheme = REMOTE_SCHEME.exec(spelled)?.[1]?.toLowerCase() as 'tcp' | 'ssh' | 'http' | 'https' | undefined;
  if (scheme === undefined) return { kind: 'other', given };
  let url: URL | TypeError;
  try {
    url = new URL(spelled);
  } catch (error) {
    url = error as TypeError;
  }
  if (scheme === 'ssh') {
    if (url instanceof TypeError)
      return { kind: 'ssh', given, user: undefined, host: '', port: undefined, address: '', invalid: url };
    return {
      kind: 'ssh',
      given,
      user: url.username || undefined,
      host: unbracketed(url.hostname),
      port: url.port || undefined,
      address: url.host,
    };
  }
  if (url instanceof TypeError) return { kind: 'tcp', given, scheme, host: undefined, port: undefined };
  return { kind: 'tcp', given, scheme, host: unbracketed(url.hostname) || undefined, port: url.port || undefined };
}

/** Whether the engine may not see e's files: anything but the local socket or pipe. */
export function isRemote(endpoint: EngineEndpoint): boolean {
  return endpoint.kind !== 'unix' && endpoint.kind !== 'npipe';
}

/** The local engine's socket when DOCKER_HOST names none, as docker-modem finds it: Docker Desktop's per-user one when it exists. */
export function defaultSocketPath(): string {
  const user = join(homedir(), '.docker', 'run', 'docker.sock');
  return existsSync(user) ? user : '/var/run/docker.sock';
}

function unbracketed(hostname: string): string {
  return hostname.replace(/^\[(.*)\]$/, '$1');
}
