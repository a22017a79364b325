import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type Dockerode from 'dockerode';
import { RuntimeError } from '../errors.js';
import {
  type ContainerRuntime,
  type ImageDetails,
  type LabelledContainer,
  markNotStarted,
  type PullOptions,
  type PullProgress,
  type RegistryImage,
  type RunMount,
  type RunOutcome,
  type RunSpec,
} from './container-runtime.js';
import { dockerodeStandIns, requireFrom } from './dockerode-stand-ins.js';
import { type EngineInfo, takeEngineInfo } from './early-info.js';
import { engineEndpoint, isRemote } from './engine-endpoint.js';
import { describeEndpoint, engineError, engineMessage } from './engine-error.js';
import { FrameDemuxer } from './frame-demuxer.js';
import { type OutputActivity, untilOutputEnds } from './output-grace.js';
import { formatPlatform, normalizeArchitecture, type Platform, platformFromEngineInfo } from './platform.js';
import { insecureRegistries, readManifest } from './registry-client.js';
import { untilRemoved } from './removal-grace.js';
import { engineOptions } from './ssh-dial.js';

/** Docker passes the create body in the URL too (docker-modem): keep Env well below URL limits. */
const MAX_ENV_BYTES = 512 * 1024;
/** Seconds the engine waits after SIGTERM before SIGKILL when e is interrupted. */
const STOP_GRACE_SECONDS = 1;

interface PullEvent {
  id?: string;
  status?: string;
  progressDetail?: { current?: number; total?: number };
  error?: string;
  errorDetail?: { message?: string };
}

export type { EngineInfo } from './early-info.js';

export interface DockerRuntimeOptions {
  /**
   * Ask the engine to describe itself (`docker info`: its platform) right away, before dockerode
   * is loaded, so that the engine answers while e loads it: for a caller that needs the answer next.
   */
  askInfoEarly?: boolean;
}

/**
 * The Docker engine through dockerode. dockerode is loaded here, only when this is called, so
 * commands that never talk to the engine (`e --help`) do not pay for loading it.
 */
export async function createDockerRuntime(options: DockerRuntimeOptions = {}): Promise<ContainerRuntime> {
  const early = options.askInfoEarly ? takeEngineInfo() : undefined;
  await early?.sent; // the request is out: the engine works on it while dockerode loads (synchronously)
  const Docker = loadDockerode();
  return new DockerodeRuntime(new Docker(engineOptions()), describeEndpoint(), isRemoteEngine(), early?.info);
}

type CommonJsCache = Record<
  string,
  { id: string; filename: string; loaded: boolean; exports: unknown; children: unknown[]; paths: string[] }
>;

/**
 * Loads dockerode without paying for what e never uses (dockerode-stand-ins.ts: its BuildKit
 * session support, ssh2, tar-fs, the stdin duplex of attaches, debug without DEBUG; each loads the
 * real module on first use, so nothing breaks if dockerode ever needs it). From e's bundle, that is
 * dockerode bundled beside it (dockerode.cjs, made by scripts/bundle-dockerode.mjs with the
 * stand-ins in place, run through its code cache) while it is newer than every file it was made
 * from; else from node_modules, with the stand-ins put in the CommonJS cache first.
 */
export function loadDockerode(): typeof Dockerode {
  const require = createRequire(import.meta.url);
  const bundled = loadBundledDockerode(require);
  if (bundled !== undefined) return bundled;
  const cache = require.cache as unknown as CommonJsCache;
  const from = { dockerode: requireFrom('dockerode', require), 'docker-modem': requireFrom('docker-modem', require) };
  for (const standIn of dockerodeStandIns()) {
    if (standIn.builtin) continue;
    const filename = from[standIn.from].resolve(standIn.id);
    if (cache[filename] !== undefined) continue;
    let real: Record<string, unknown> | undefined;
    const load = () => {
      if (real === undefined) {
        delete cache[filename];
        real = require(filename) as Record<string, unknown>;
      }
      return real;
    };
    cache[filename] = { id: filename, filename, loaded: true, exports: standIn.make(load), children: [], paths: [] };
  }
  return require('dockerode') as typeof Dockerode;
}

/**
 * dockerode.cjs beside this file, that is beside e's bundle (packages/cli/dist/bundle): through
 * bin/bundle-loader.js, which loads it only while it is fresh. Undefined when there is none (this
 * code runs from `tsc`'s output or from the sources) or it is stale.
 */
function loadBundledDockerode(require: NodeJS.Require): typeof Dockerode | undefined {
  const file = fileURLToPath(new URL('dockerode.cjs', import.meta.url));
  if (!existsSync(file)) return undefined;
  const loader = require('../../bin/bundle-loader.js') as {
    loadFreshBundle(file: string): { exports: unknown } | undefined;
  };
  return loader.loadFreshBundle(file)?.exports as typeof Dockerode | undefined;
}

/** Exported for tests: createDockerRuntime makes it. */
export class DockerodeRuntime implements ContainerRuntime {
  readonly endpoint: string;
  readonly remote: boolean;
  readonly #docker: Dockerode;

  constructor(docker: Dockerode, endpoint: string, remote: boolean, earlyInfo?: Promise<EngineInfo | undefined>) {
    this.#docker = docker;
    this.endpoint = endpoint;
    this.remote = remote;
    this.#earlyInfo = earlyInfo;
  }

  readonly #earlyInfo: Promise<EngineInfo | undefined> | undefined;
  #info: Promise<EngineInfo> | undefined;

  /** `docker info`, asked once per process: callers may start it early, while they do other work. */
  #engineInfo(): Promise<EngineInfo> {
    const ask = () => this.#call('describe itself', () => this.#docker.info() as Promise<EngineInfo>);
    this.#info ??= this.#earlyInfo ? this.#earlyInfo.then((info) => info ?? ask()) : ask();
    return this.#info;
  }

  enginePlatform(): Promise<Platform> {
    return this.#engineInfo().then(platformFromEngineInfo);
  }

  async inspectImage(ref: string): Promise<ImageDetails | undefined> {
    try {
      const image = await this.#docker.getImage(ref).inspect();
      return {
        id: image.Id,
        os: image.Os,
        architecture: normalizeArchitecture(image.Architecture),
        repoDigests: image.RepoDigests ?? [],
      };
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return undefined;
      throw engineError(error, this.endpoint, `inspect image ${ref}`);
    }
  }

  /**
   * Asks the registry itself (as the engine would, plain HTTP only where the engine allows it),
   * which also gives each platform's manifest digest; falls back to the engine's distribution
   * endpoint when e cannot reach the registry (a remote engine's network).
   */
  async registryImage(ref: string): Promise<RegistryImage> {
    // a remote engine pulls over its own network: what it sees decides (a localhost registry is its own)
    if (this.remote) return this.#distribution(ref);
    try {
      const manifest = await readManifest(ref, { insecure: insecureRegistries(await this.#engineInfo()) });
      return {
        digest: manifest.digest,
        platforms: manifest.platform ? [manifest.platform] : manifest.manifests.map((m) => m.platform),
        manifests: manifest.manifests,
      };
    } catch {
      return this.#distribution(ref);
    }
  }

  async #distribution(ref: string): Promise<RegistryImage> {
    let info: Dockerode.ImageDistributionInfo;
    try {
      info = await this.#docker.getImage(ref).distribution();
    } catch (error) {
      const status = (error as { statusCode?: number }).statusCode;
      if (status === 404 || status === 401) {
        throw new RuntimeError('E_IMAGE_NOT_FOUND', `The registry has no image ${ref} (${engineMessage(error)}).`, {
          hint: 'Check the image in the repository file, or build and push the module images (make setup).',
        });
      }
      throw engineError(error, this.endpoint, `read ${ref} from its registry`);
    }
    return {
      digest: info.Descriptor.digest,
      platforms: (info.Platforms ?? []).map((p) => ({ os: p.os, architecture: normalizeArchitecture(p.architecture) })),
    };
  }

  async pull(ref: string, options: PullOptions): Promise<void> {
    const platform = formatPlatform(options.platform);
    const stream = await this.#call(
      `pull ${ref} for ${platform}`,
      () => this.#docker.pull(ref, { platform }) as Promise<NodeJS.ReadableStream>,
    );
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        (stream as NodeJS.ReadableStream & { destroy(): void }).destroy();
        reject(
          new RuntimeError('E_PULL_INTERRUPTED', `The pull of ${ref} for ${platform} was interrupted; nothing ran.`, {
            exitCode: 130,
          }),
        );
      };
      if (options.signal?.aborted) return onAbort();
      options.signal?.addEventListener('abort', onAbort, { once: true });
      let failure: string | undefined;
      this.#docker.modem.followProgress(
        stream,
        (err: Error | null) => {
          options.signal?.removeEventListener('abort', onAbort);
          if (err) reject(engineError(err, this.endpoint, `pull ${ref} for ${platform}`));
          else if (failure !== undefined)
            reject(engineError(new Error(failure), this.endpoint, `pull ${ref} for ${platform}`));
          else resolve();
        },
        (event: PullEvent) => {
          // the engine reports some failures inside the stream, not as an HTTP error
          const error = event.error ?? event.errorDetail?.message;
          if (error !== undefined) {
            failure ??= error;
            return;
          }
          options.onProgress?.(toProgress(event));
        },
      );
    });
  }

  async run(spec: RunSpec): Promise<RunOutcome> {
    const env = Object.entries(spec.env).map(([key, value]) => `${key}=${value}`);
    const envBytes = env.reduce((sum, entry) => sum + Buffer.byteLength(entry) + 1, 0);
    if (envBytes > MAX_ENV_BYTES) {
      const why = `the environment is ${envBytes} bytes, more than the ${MAX_ENV_BYTES} e allows`;
      throw markNotStarted(engineError(new Error(why), this.endpoint, 'create the container'));
    }
    if (spec.signal?.aborted) {
      const why = 'e was interrupted before the container started';
      throw markNotStarted(engineError(new Error(why), this.endpoint, 'start the container'));
    }
    // a remote engine cannot see e's files: each mount becomes a volume filled through the archive API
    const copies = this.remote ? new RemoteCopies(this.#docker, this.endpoint, spec) : undefined;
    // as docker run --rm: the engine removes the container as soon as it exits (not a remote run's:
    // what the module left is copied out of the ended container first)
    const autoRemove = copies === undefined;
    let container: Dockerode.Container;
    try {
      await copies?.prepare();
      container = await this.#call(`create a container from ${spec.image}`, () =>
        this.#docker.createContainer(createOptions(spec, env, { volumes: copies?.volumes, autoRemove })),
      );
    } catch (error) {
      await copies?.removeVolumes();
      throw markNotStarted(error);
    }
    let ended: RunOutcome['ended'] = 'exited';
    let timer: NodeJS.Timeout | undefined;
    const stop = (why: 'timed-out' | 'aborted') => {
      if (ended !== 'exited') return;
      ended = why;
      const stopping = why === 'timed-out' ? container.kill() : container.stop({ t: STOP_GRACE_SECONDS });
      stopping.catch(() => undefined); // already exited: nothing to stop
    };
    const onAbort = () => stop('aborted');
    let removed: Promise<void> | undefined;
    let gone: Promise<unknown> | undefined;
    const stopWaitingForRemoval = new AbortController();
    let attach: NodeJS.ReadableStream | undefined;
    try {
      // the order that does not race (testbed.md): attach and wait before start, remove at the end
      let waiting: Promise<{ StatusCode: number }>;
      try {
        attach = (await this.#call('attach to the container', () =>
          container.attach({ stream: true, stdout: true, stderr: true }),
        )) as NodeJS.ReadableStream;
        waiting = this.#call('wait for the container', () => container.wait({ condition: 'next-exit' }));
        waiting.catch(() => undefined); // awaited below; never an unhandled rejection meanwhile
        if (autoRemove) {
          gone = container.wait({ condition: 'removed', abortSignal: stopWaitingForRemoval.signal });
          gone.catch(() => undefined);
        }
        await spec.beforeStart?.();
        await copies?.copyIn(container);
        await this.#call(`start the container from ${spec.image}`, () => container.start());
      } catch (error) {
        throw markNotStarted(error);
      }
      spec.signal?.addEventListener('abort', onAbort, { once: true });
      if (spec.signal?.aborted) onAbort();
      if (spec.timeoutMs !== undefined) timer = setTimeout(() => stop('timed-out'), spec.timeoutMs);
      const activity: OutputActivity = { lastAt: Date.now(), busy: 0 };
      let outputCut = false;
      const onOutput: RunSpec['onOutput'] = (stream, payload) => {
        activity.lastAt = Date.now();
        const pending = spec.onOutput(stream, payload);
        if (!pending) return pending;
        activity.busy += 1;
        return pending.finally(() => {
          activity.busy -= 1;
          activity.lastAt = Date.now();
        });
      };
      const attached = attach;
      const reading = pumpOutput(attached, onOutput).catch((error: unknown) => {
        if (outputCut) return;
        // e cannot write the output any more (e.g. a closed pipe): do not let the module run on
        stop('aborted');
        throw error;
      });
      // the exit is what ends a run: an attach stream the engine leaves open after it is cut
      const output = untilOutputEnds(reading, waiting, activity, () => {
        outputCut = true;
        destroyStream(attached);
      });
      const [{ StatusCode }] = await Promise.all([waiting, output]);
      // what the module left comes back only from a run that ended by itself (nothing else is merged)
      if (ended === 'exited') await copies?.copyOut(container);
      const outcome = { exitCode: ended === 'exited' ? StatusCode : null, ended, containerId: container.id };
      // the container has exited: the engine removes it (should its wait fail, e removes it itself)
      const removeItself = async () => {
        await disposeContainer(container, copies);
      };
      removed =
        gone === undefined
          ? removeItself()
          : untilRemoved(gone, { stopWaiting: stopWaitingForRemoval, otherwise: removeItself });
      if (!spec.deferRemoval) await removed;
      return spec.deferRemoval ? { ...outcome, removed } : outcome;
    } finally {
      if (timer) clearTimeout(timer);
      spec.signal?.removeEventListener('abort', onAbort);
      if (removed === undefined) {
        // not started, or lost: removed by force (it may still run); when the engine was removing it
        // already, e waits until it is gone, else it stops waiting for that
        if ((await disposeContainer(container, copies)) && gone !== undefined)
          await untilRemoved(gone, { stopWaiting: stopWaitingForRemoval });
        stopWaitingForRemoval.abort();
        // a Docker 20.10 engine leaves the attach of a container removed before its start open for
        // good (seen in CI: e waited on it after a failed staging); nothing reads it any more
        if (attach !== undefined) destroyStream(attach);
      }
    }
  }

  async listContainers(labels: Readonly<Record<string, string>>): Promise<LabelledContainer[]> {
    const filters = JSON.stringify({ label: Object.entries(labels).map(([key, value]) => `${key}=${value}`) });
    const list = await this.#call('list containers', () => this.#docker.listContainers({ all: true, filters }));
    return list.map((c) => ({ id: c.Id, labels: c.Labels ?? {}, state: c.State }));
  }

  async removeContainer(id: string): Promise<void> {
    try {
      await this.#docker.getContainer(id).remove({ force: true, v: true });
    } catch (error) {
      const status = (error as { statusCode?: number }).statusCode;
      if (status === 404 || (status === 409 && /already in progress/i.test(engineMessage(error)))) return;
      throw engineError(error, this.endpoint, `remove container ${id.slice(0, 12)}`);
    }
  }

  async listVolumes(
    labels: Readonly<Record<string, string>>,
  ): Promise<{ name: string; labels: Record<string, string> }[]> {
    const filters = JSON.stringify({ label: Object.entries(labels).map(([key, value]) => `${key}=${value}`) });
    const list = await this.#call('list volumes', () => this.#docker.listVolumes({ filters }));
    return (list.Volumes ?? []).map((v) => ({ name: v.Name, labels: v.Labels ?? {} }));
  }

  async removeVolume(name: string): Promise<void> {
    await this.#docker
      .getVolume(name)
      .remove({ force: true })
      .catch(() => undefined);
  }

  async #call<T>(doing: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw engineError(error, this.endpoint, doing);
    }
  }
}

/** Ends a response stream of the engine that e no longer reads (its socket is closed). */
function destroyStream(stream: NodeJS.ReadableStream): void {
  (stream as unknown as { destroy?: () => void }).destroy?.();
}

/**
 * Removes a run's container by force and, for a remote run, its volumes; never rejects (a
 * container already gone is fine). True when the engine was removing it already (AutoRemove).
 */
async function disposeContainer(container: Dockerode.Container, copies: RemoteCopies | undefined): Promise<boolean> {
  // v: the anonymous volumes of a remote run go with it, its named ones after it
  const removing = await container.remove({ force: true, v: true }).then(
    () => false,
    (error: unknown) =>
      (error as { statusCode?: number }).statusCode === 409 && /already in progress/i.test(engineMessage(error)),
  );
  await copies?.removeVolumes();
  return removing;
}

/** Least privilege: no privileged mode, no-new-privileges, the shared directory as the only mount. */
function createOptions(
  spec: RunSpec,
  env: string[],
  { volumes, autoRemove }: { volumes?: readonly string[]; autoRemove: boolean },
): Dockerode.ContainerCreateOptions {
  return {
    Image: spec.image,
    Cmd: spec.cmd,
    WorkingDir: spec.workingDir,
    Env: env,
    Labels: { ...spec.labels },
    Tty: false,
    OpenStdin: false,
    AttachStdin: false,
    AttachStdout: true,
    AttachStderr: true,
    platform: formatPlatform(spec.platform),
    HostConfig: {
      Mounts: spec.mounts.map(
        (m, i): Dockerode.MountSettings =>
          volumes?.[i] === EMPTY_READ_ONLY
            ? ({ Type: 'tmpfs' as const, Target: m.target, ReadOnly: true } as Dockerode.MountSettings)
            : volumes
              ? // '' anonymous (removed with the container); NoCopy: the image's files at the target stay out
                {
                  Type: 'volume' as const,
                  Source: volumes[i] ?? '',
                  Target: m.target,
                  ReadOnly: m.readOnly,
                  VolumeOptions: { NoCopy: true } as Dockerode.MountSettings['VolumeOptions'],
                }
              : { Type: 'bind' as const, Source: m.source, Target: m.target, ReadOnly: m.readOnly },
      ),
      Privileged: false,
      SecurityOpt: ['no-new-privileges'],
      CapDrop: ['ALL'],
      CapAdd: [...spec.access.capabilities],
      NetworkMode: spec.access.network ? 'default' : 'none',
      Memory: spec.access.memoryBytes,
      PidsLimit: spec.access.pids,
      AutoRemove: autoRemove,
    },
  };
}

/**
 * The mounts of a run on a remote engine, carried as tars through the archive API: into the
 * container's volumes before it starts, and the writable ones back into e's copy after it ends.
 */
const EMPTY_READ_ONLY = '<empty read-only tmpfs>';

class RemoteCopies {
  readonly #docker: Dockerode;
  readonly #endpoint: string;
  readonly #spec: RunSpec;

  constructor(docker: Dockerode, endpoint: string, spec: RunSpec) {
    this.#docker = docker;
    this.#endpoint = endpoint;
    this.#spec = spec;
  }

  /**
   * Per mount, the volume the container gets: '' for a writable one (anonymous, filled through the
   * container before it starts); a named one for a read-only mount (an anonymous volume cannot be
   * read-only, and a read-only one takes no archive), filled here through a carrier container;
   * EMPTY_READ_ONLY for a read-only mount of an empty directory (an empty read-only tmpfs).
   */
  readonly volumes: string[] = [];

  async prepare(): Promise<void> {
    const { isEmptyDirectory, packDirectory } = await import('./remote-shared.js');
    for (const mount of this.#spec.mounts) {
      if (!mount.readOnly) {
        this.volumes.push('');
        continue;
      }
      if (await isEmptyDirectory(mount.source)) {
        this.volumes.push(EMPTY_READ_ONLY); // nothing to carry: an empty read-only tmpfs, no volume to remove
        continue;
      }
      const name = `e-ro-${randomUUID()}`;
      await this.#call('create a volume', () =>
        this.#docker.createVolume({ Name: name, Labels: { ...this.#spec.labels } }),
      );
      this.volumes.push(name);
      await this.#carry(name, () => packDirectory(mount.source, this.#nested(mount)));
    }
  }

  /** Fills the writable volumes through the created container (not started yet). */
  async copyIn(container: Dockerode.Container): Promise<void> {
    const { packDirectory } = await import('./remote-shared.js');
    for (const mount of this.#spec.mounts) {
      if (mount.readOnly) continue;
      await this.#call(`copy ${mount.source} into the container`, () =>
        container.putArchive(packDirectory(mount.source, this.#nested(mount)), { path: mount.target }),
      );
    }
  }

  async removeVolumes(): Promise<void> {
    for (const name of this.volumes) {
      if (name !== '' && name !== EMPTY_READ_ONLY)
        await this.#docker
          .getVolume(name)
          .remove({ force: true })
          .catch(() => undefined);
    }
  }

  async copyOut(container: Dockerode.Container): Promise<void> {
    const { syncFromTar } = await import('./remote-shared.js');
    for (const mount of this.#spec.mounts) {
      if (mount.readOnly) continue;
      const tar = await this.#call(`copy ${mount.target} out of the container`, () =>
        container.getArchive({ path: mount.target }),
      );
      await syncFromTar(tar, mount.source, this.#nested(mount));
    }
  }

  async #carry(volume: string, tar: () => NodeJS.ReadableStream): Promise<void> {
    const carrier = await this.#call('create a container to fill a volume', () =>
      this.#docker.createContainer({
        Image: this.#spec.image,
        Labels: { ...this.#spec.labels },
        platform: formatPlatform(this.#spec.platform),
        HostConfig: {
          Mounts: [{ Type: 'volume', Source: volume, Target: '/e-carrier', ReadOnly: false }],
          NetworkMode: 'none',
        },
      } as Dockerode.ContainerCreateOptions),
    );
    try {
      await this.#call('fill a volume', () => carrier.putArchive(tar(), { path: '/e-carrier' }));
    } finally {
      await carrier.remove({ force: true }).catch(() => undefined);
    }
  }

  /** The top-level names under `mount` where other mounts go: they travel on their own. */
  #nested(mount: RunMount): Set<string> {
    const names = new Set<string>();
    for (const other of this.#spec.mounts) {
      if (other.target.startsWith(`${mount.target}/`))
        names.add(other.target.slice(mount.target.length + 1).split('/')[0] as string);
    }
    return names;
  }

  async #call<T>(doing: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw engineError(error, this.#endpoint, doing);
    }
  }
}

/** Local unless DOCKER_HOST (or --engine, which sets it) names a TCP or SSH endpoint. */
export function isRemoteEngine(env: NodeJS.ProcessEnv = process.env): boolean {
  return isRemote(engineEndpoint(env));
}

function toProgress(event: PullEvent): PullProgress {
  const status = event.status ?? '';
  // "Pulling from modules/hello" carries the tag as id; it is a step, not a layer
  const isLayer = event.id !== undefined && !/^Pulling from /.test(status);
  return {
    layer: isLayer ? event.id : undefined,
    status,
    current: event.progressDetail?.current,
    total: event.progressDetail?.total,
  };
}

/** Demultiplexes the attach stream into `onOutput`, waiting for it when it asks to (backpressure). */
async function pumpOutput(attach: NodeJS.ReadableStream, onOutput: RunSpec['onOutput']): Promise<void> {
  const demux = new FrameDemuxer();
  for await (const chunk of attach as AsyncIterable<Buffer>) {
    for (const frame of demux.push(chunk)) {
      const pending = onOutput(frame.stream, frame.payload);
      if (pending) await pending;
    }
  }
}
