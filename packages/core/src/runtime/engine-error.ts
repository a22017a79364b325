import { RuntimeError } from '../errors.js';
import { defaultSocketPath, engineEndpoint } from './engine-endpoint.js';
import { SSH_FAILED } from './ssh-dial.js';

const UNREACHABLE = new Set([
  'ENOENT',
  'ECONNREFUSED',
  'EACCES',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ETIMEDOUT',
  'ENOTFOUND',
]);

/**
 * Translates an engine error into a RuntimeError: an unreachable engine becomes one sentence
 * naming where e looked and what to do; an HTTP error keeps the engine's own message
 * (`json.message`), not dockerode's `reason`, which is misleading for some 404s.
 */
export function engineError(error: unknown, endpoint: string, doing: string): RuntimeError {
  if (error instanceof RuntimeError) return error;
  const err = error as { code?: string; statusCode?: number; json?: { message?: string } | null; message?: string };
  if (err.code === SSH_FAILED) {
    return new RuntimeError('E_ENGINE_UNREACHABLE', `No Docker engine answers at ${endpoint}: ${err.message}.`, {
      hint: 'Check that `ssh` reaches that host without a prompt (keys, known_hosts; E_SSH_COMMAND sets the ssh command and its options) and that `docker` runs there.',
      cause: error,
    });
  }
  if (err.code && UNREACHABLE.has(err.code)) {
    const why = err.code === 'EACCES' ? 'is not allowed to use it' : `cannot reach it (${err.code})`;
    return new RuntimeError('E_ENGINE_UNREACHABLE', `No Docker engine answers at ${endpoint}: e ${why}.`, {
      hint: 'Start Docker (make setup does it on the test bed), or point DOCKER_HOST at a running engine.',
      cause: error,
    });
  }
  const message = engineMessage(error);
  return new RuntimeError('E_ENGINE', `The Docker engine failed to ${doing}: ${message}.`, { cause: error });
}

/** The engine's own message of an HTTP error, else the error's message. */
export function engineMessage(error: unknown): string {
  const err = error as { json?: unknown; message?: string };
  const json = err.json as { message?: string } | string | null | undefined;
  const text = typeof json === 'string' ? json : json?.message;
  return (text ?? err.message ?? String(error)).trim().replace(/\.$/, '');
}

/**
 * Where dockerode will connect, as a user would write it: DOCKER_HOST as given, else the socket
 * docker-modem takes (~/.docker/run/docker.sock when it exists, else /var/run/docker.sock).
 */
export function describeEndpoint(env: NodeJS.ProcessEnv = process.env, socket = defaultSocketPath): string {
  const { given } = engineEndpoint(env);
  if (given && given !== 'unix://') return `DOCKER_HOST=${given}`;
  return `unix://${socket()}`;
}
