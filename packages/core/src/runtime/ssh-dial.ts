import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { Agent } from 'node:http';
import { Duplex } from 'node:stream';
import { inspect } from 'node:util';
import { trustDeferredExtraCaCerts } from '../extra-ca-certs.js';
import { lazyRequire } from '../repository/lazy-require.js';
import { engineEndpoint, type SshEndpoint } from './engine-endpoint.js';
import { PLAIN_HTTP } from './plain-http.js';

/*
 * An ssh:// engine the way the docker CLI reaches one: each HTTP connection is the system `ssh`
 * running `docker system dial-stdio` on the engine's host, so the user's ssh config, keys, agent
 * and known_hosts apply. docker-modem's own ssh support opens a new SSH connection (key exchange
 * and all) for every request, skips host key checks, and makes Node print a deprecation warning;
 * e does not use it. Here idle connections are kept for the next request, so a module run needs
 * a few SSH connections (the attach and the wait hold one each), not one per request.
 */

/** node:child_process (~5 ms to load) only for an ssh:// engine: every module run loads this file. */
const childProcess = lazyRequire<typeof import('node:child_process')>('node:child_process');

/** The code of the error a connection ends with when ssh fails before the engine answered. */
export const SSH_FAILED = 'ESSH';

/** Where the ssh command comes from: E_SSH_COMMAND (e.g. `ssh -F ./ssh_config`, split on spaces), else `ssh`. */
export function sshCommand(env: NodeJS.ProcessEnv = process.env): string[] {
  const words = (env.E_SSH_COMMAND ?? '').trim().split(/\s+/).filter(Boolean);
  return words.length > 0 ? words : ['ssh'];
}

/** The ssh arguments that reach `target` (ssh://[user@]host[:port]) and run `docker system dial-stdio` there. */
export function dialArguments(target: Pick<SshEndpoint, 'user' | 'host' | 'port'>): string[] {
  const args = ['-T'];
  if (target.port !== undefined) args.push('-p', target.port);
  if (target.user !== undefined) args.push('-l', decodeURIComponent(target.user));
  args.push('--', target.host, 'docker', 'system', 'dial-stdio');
  return args;
}

/**
 * dockerode's options for the engine DOCKER_HOST names: for ssh://, plain HTTP over this file's
 * ssh connections; for a local socket, the agent docker-modem would use (Node's global one) but
 * for plain HTTP (PLAIN_HTTP); otherwise none (docker-modem reads DOCKER_HOST itself, and keeps
 * reading it: these options only add to what it finds there; over TLS, with the certificates the
 * launcher deferred, extra-ca-certs.ts).
 */
export function engineOptions(env: NodeJS.ProcessEnv = process.env) {
  const endpoint = engineEndpoint(env);
  if (endpoint.kind === 'unix') {
    return { agent: new QuietAgent({ keepAlive: true, scheduling: 'lifo', timeout: 5_000, ...PLAIN_HTTP }) };
  }
  if (endpoint.kind === 'tcp') {
    // docker-modem speaks TLS to it when DOCKER_TLS_VERIFY, DOCKER_CERT_PATH or https:// say so
    trustDeferredExtraCaCerts();
    return undefined;
  }
  if (endpoint.kind !== 'ssh') return undefined;
  if (endpoint.invalid) throw endpoint.invalid;
  return { protocol: 'http' as const, host: 'docker', port: 80, agent: new SshDialAgent(endpoint, env) };
}

/**
 * docker-modem writes the options of every request with util.inspect (hidden properties, no depth
 * limit) for its debug log, whether that log is on or not: with an agent among them, the agent
 * with its sockets and all, ~10 ms of CPU a request. An agent e gives it is written as its name.
 */
class QuietAgent extends Agent {
  [inspect.custom](): string {
    return `[${this.constructor.name}]`;
  }
}

class SshDialAgent extends QuietAgent {
  readonly #target: SshEndpoint;
  readonly #command: string[];

  constructor(target: SshEndpoint, env: NodeJS.ProcessEnv) {
    super({ keepAlive: true });
    this.#target = target;
    this.#command = sshCommand(env);
  }

  override createConnection(): Duplex {
    const [program, ...options] = this.#command as [string, ...string[]];
    const child = childProcess().spawn(program, [...options, ...dialArguments(this.#target)], {
      stdio: ['pipe', 'pipe', 'pipe'],
      // its own process group: Ctrl-C is e's to handle (stop the container through a connection), not ssh's
      detached: true,
    });
    return new SshSocket(child, this.#target.address);
  }
}

/**
 * The ssh process as the socket Node's HTTP client expects: its stdin and stdout carry the bytes;
 * what ssh says on stderr becomes the error when it ends before the engine answered.
 */
class SshSocket extends Duplex {
  readonly #child: ChildProcessWithoutNullStreams;
  #stderr = '';
  #answered = false;

  constructor(child: ChildProcessWithoutNullStreams, where: string) {
    // the engine closing the connection (ssh exits) ends both sides, so a keep-alive agent drops it
    super({ allowHalfOpen: false });
    this.#child = child;
    child.stdout.on('data', (chunk: Buffer) => {
      this.#answered = true;
      if (!this.push(chunk)) child.stdout.pause();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      this.#stderr = `${this.#stderr}${chunk.toString()}`.slice(-2000);
    });
    child.on('error', (error: NodeJS.ErrnoException) => this.destroy(error));
    // the end of the stream waits for ssh's exit: an ssh that failed before the engine answered is an error, not an EOF
    child.on('close', (code) => {
      if (this.destroyed) return;
      if (code === 0 || this.#answered) {
        this.push(null);
        return;
      }
      const said = this.#stderr.trim().split('\n').filter(Boolean).pop() ?? `ssh exited with ${code}`;
      this.destroy(Object.assign(new Error(`ssh ${where} says: ${said.replace(/\.$/, '')}`), { code: SSH_FAILED }));
    });
    child.stdin.on('error', () => undefined); // ssh gone: its close says why
  }

  override _read(): void {
    this.#child.stdout.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.#child.stdin.write(chunk, done);
  }

  override _final(done: (error?: Error | null) => void): void {
    this.#child.stdin.end(done);
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    this.#child.stdin.destroy();
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill();
    done(error);
  }

  // what Node's HTTP client and a keep-alive agent call on a socket
  setKeepAlive(): this {
    return this;
  }
  setNoDelay(): this {
    return this;
  }
  setTimeout(): this {
    return this;
  }
  /** An idle kept connection must not keep e running. */
  unref(): this {
    this.#child.unref();
    for (const stream of [this.#child.stdin, this.#child.stdout, this.#child.stderr])
      (stream as unknown as { unref?: () => void }).unref?.();
    return this;
  }
  ref(): this {
    this.#child.ref();
    for (const stream of [this.#child.stdin, this.#child.stdout, this.#child.stderr])
      (stream as unknown as { ref?: () => void }).ref?.();
    return this;
  }
}
