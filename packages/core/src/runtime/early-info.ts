import { lazyRequire } from '../repository/lazy-require.js';
import { defaultSocketPath, engineEndpoint } from './engine-endpoint.js';
import { PLAIN_HTTP } from './plain-http.js';
import { readBody } from './read-body.js';

/*
 * A module run needs the engine's description (`docker info`: its platform, its insecure
 * registries) before anything else of the engine, and the engine takes a while to answer (~30 ms,
 * more under load). bin/bundle-loader.js sends that request before e's code loads when the command
 * line runs a module, and the command asks for it as soon as it knows it runs a module
 * (askEngineInfo, through `@e/core/engine-info`, which loads nothing else): it adopts the loader's
 * request when that went to the same socket, else sends its own. The engine answers while e loads
 * the runtime, dockerode and the repository; createDockerRuntime takes that request over.
 */

/** node:http, loaded when e asks the engine (a module run requires it before: bin/bundle-loader.js). */
const http = lazyRequire<typeof import('node:http')>('node:http');

export interface EngineInfo {
  OSType?: string;
  Architecture?: string;
  RegistryConfig?: { IndexConfigs?: Record<string, { Secure?: boolean }> };
}

/**
 * `GET /info` through node:http on the local engine's socket, found as docker-modem finds it
 * (DOCKER_HOST=unix://PATH, else ~/.docker/run/docker.sock when it exists, else
 * /var/run/docker.sock). `info` is undefined for any other engine, and whenever this does not get
 * a plain answer: the engine is then asked through dockerode, so errors read as always.
 * `sent` resolves once the request is handed to the socket (or given up).
 */
function infoFromLocalSocket(
  env: NodeJS.ProcessEnv = process.env,
): { info: Promise<EngineInfo | undefined>; sent: Promise<void> } | undefined {
  const endpoint = engineEndpoint(env);
  const fromLoader = adoptLoaderRequest();
  if (process.platform === 'win32' || endpoint.kind !== 'unix') return undefined;
  const socketPath = endpoint.socketPath ?? defaultSocketPath();
  if (fromLoader?.socketPath === socketPath) {
    fromLoader.keep();
    return { info: fromLoader.info, sent: fromLoader.sent };
  }
  let sent: () => void = () => undefined;
  const sending = new Promise<void>((resolve) => {
    sent = resolve;
  });
  const info = new Promise<EngineInfo | undefined>((resolve) => {
    const given = () => {
      sent();
      resolve(undefined);
    };
    const req = http().request({ socketPath, path: '/info', agent: false, ...PLAIN_HTTP }, (res) => {
      readBody(res).then((body) => {
        try {
          resolve(res.statusCode === 200 ? (JSON.parse(body.toString('utf8')) as EngineInfo) : undefined);
        } catch {
          resolve(undefined);
        }
      }, given);
    });
    req.on('error', given);
    req.on('finish', sent);
    req.end();
  });
  return { info, sent: sending };
}

/** The request bin/bundle-loader.js sent before e's code loaded (askEngineInfoEarly there). */
interface LoaderRequest {
  socketPath: string;
  info: Promise<EngineInfo | undefined>;
  sent: Promise<void>;
  /** From now on its socket keeps e running (once the request is out and until adopted, it does not). */
  keep(): void;
}

const LOADER_REQUEST = Symbol.for('e.early-engine-info');

/** The loader's request, taken (once): adopted when it went to the socket this run asks, else dropped. */
function adoptLoaderRequest(): LoaderRequest | undefined {
  const global = globalThis as { [LOADER_REQUEST]?: LoaderRequest };
  const request = global[LOADER_REQUEST];
  delete global[LOADER_REQUEST];
  return request;
}

let asked: ReturnType<typeof infoFromLocalSocket>;

/**
 * Sends `GET /info` to a local engine now, for createDockerRuntime({ askInfoEarly }) to take
 * over; resolves once the request is out. Does nothing for other engines (dockerode asks them).
 */
export async function askEngineInfo(): Promise<void> {
  asked ??= infoFromLocalSocket();
  await asked?.sent;
}

/** The request askEngineInfo sent, handed over once; else one sent now. */
export function takeEngineInfo(): ReturnType<typeof infoFromLocalSocket> {
  const taken = asked ?? infoFromLocalSocket();
  asked = undefined;
  return taken;
}
