import { createRequire } from 'node:module';

/** The real module, loaded on first call. */
export type RealModule = () => Record<string, unknown>;
/** The package whose code requires the module: its id resolves from there. */
export type DockerodePackage = 'dockerode' | 'docker-modem';

export interface StandIn {
  from: DockerodePackage;
  id: string;
  make: (real: RealModule) => unknown;
  /** A Node built-in: only the bundle has its stand-in, Node never looks for one in the CommonJS cache. */
  builtin?: boolean;
}

/**
 * A module used through its properties, called or constructed: the real one is loaded on first
 * use (the target is a plain function so that the stand-in can be called and constructed too).
 */
function lazyModule(real: RealModule): unknown {
  return new Proxy(function standIn() {}, {
    get: (_target, prop) => real()[prop as string],
    apply: (_target, self, args) => Reflect.apply(real() as unknown as (...a: unknown[]) => unknown, self, args),
    construct: (_target, args) => Reflect.construct(real() as unknown as new (...a: unknown[]) => object, args),
  });
}

/** docker-modem reads `require('ssh2').Client` when it loads: a class that loads ssh2 when constructed. */
function lazySsh2(real: RealModule): unknown {
  const Client = function LazySshClient(...args: unknown[]) {
    const RealClient = real().Client as new (...a: unknown[]) => unknown;
    return new RealClient(...args);
  };
  return new Proxy({ Client }, { get: (target, prop) => (prop === 'Client' ? target.Client : real()[prop as string]) });
}

/** debug (which probes the terminal's colours when loaded: ~5 ms) whose loggers stay off, as its own do without DEBUG. */
function quietDebug(real: RealModule): unknown {
  const createDebug = (namespace: string) => Object.assign(() => undefined, { namespace, enabled: false });
  return new Proxy(createDebug, {
    get: (target, prop) => (prop in target ? Reflect.get(target, prop) : real()[prop as string]),
  });
}

/**
 * What dockerode and docker-modem require when they load but a run never uses, with the stand-in
 * that takes each one's place until it is used: BuildKit's session (gRPC and protobuf, ~150 ms) and
 * progress support, tar-fs (build contexts; e builds through its own tar streams), the duplex
 * stream of an attach with stdin (readable-stream, ~15 ms; e's attaches read only), ssh2 (~40 ms;
 * ssh:// engines go through the system ssh, ssh-dial.ts) and, without DEBUG, debug; in the bundle
 * also node:zlib (~6 ms; gzip of build contexts) and node:https with TLS (~5-10 ms; engines over TLS).
 */
export function dockerodeStandIns(env: NodeJS.ProcessEnv = process.env): StandIn[] {
  const standIns: StandIn[] = [
    { from: 'dockerode', id: './session', make: lazyModule },
    { from: 'dockerode', id: './buildkit', make: lazyModule },
    { from: 'dockerode', id: 'tar-fs', make: lazyModule },
    { from: 'dockerode', id: 'zlib', make: lazyModule, builtin: true },
    { from: 'docker-modem', id: 'https', make: lazyModule, builtin: true },
    { from: 'docker-modem', id: './http_duplex', make: lazyModule },
    { from: 'docker-modem', id: 'ssh2', make: lazySsh2 },
  ];
  if ((env.DEBUG ?? '') === '') standIns.push({ from: 'docker-modem', id: 'debug', make: quietDebug });
  return standIns;
}

/** A require that resolves ids as the code of `from` does, from dockerode as `require` finds it. */
export function requireFrom(from: DockerodePackage, require: NodeJS.Require): NodeJS.Require {
  const dockerode = createRequire(require.resolve('dockerode'));
  return from === 'dockerode' ? dockerode : createRequire(dockerode.resolve('docker-modem'));
}

/**
 * For the bundled dockerode (scripts/bundle-dockerode.mjs puts a call in place of each module
 * dockerodeStandIns names): the stand-in of `id`, loading the real module from node_modules on
 * first use; the real module at once when no stand-in is due (debug with DEBUG set).
 */
export function bundledStandIn(from: DockerodePackage, id: string, require: NodeJS.Require): unknown {
  let loaded: Record<string, unknown> | undefined;
  const real = () => {
    loaded ??= requireFrom(from, require)(id) as Record<string, unknown>;
    return loaded;
  };
  const standIn = dockerodeStandIns().find((entry) => entry.from === from && entry.id === id);
  return standIn === undefined ? real() : standIn.make(real);
}
