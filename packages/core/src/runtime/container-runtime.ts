import type { Platform } from './platform.js';

/** One event of an image pull, as the engine reports it (a layer's status and bytes, or a step). */
export interface PullProgress {
  /** Layer id, or undefined for whole-pull steps ("Pulling from ...", "Digest: ..."). */
  layer?: string;
  status: string;
  current?: number;
  total?: number;
}

export interface PullOptions {
  platform: Platform;
  onProgress?: (event: PullProgress) => void;
  /** Aborting stops the pull (Ctrl-C): the engine cancels it when e hangs up. */
  signal?: AbortSignal;
}

/** What e needs to know about a local image. */
export interface ImageDetails {
  /** Content-addressed id of the image config (`sha256:...`): differs per platform. */
  id: string;
  os: string;
  architecture: string;
  /** `repo@sha256:...` for every registry manifest this image is known by. */
  repoDigests: string[];
}

/** The platforms a registry holds for a reference, read without pulling. */
export interface RegistryImage {
  /** Digest of the manifest or index the reference points at. */
  digest: string;
  platforms: Platform[];
  /** For an index, when known: each platform's own manifest digest (what e pulls and records). */
  manifests?: { platform: Platform; digest: string }[];
}

export type OutputStream = 'stdout' | 'stderr';

export interface RunSpec {
  image: string;
  /** The container's Cmd: the repository command and its args. */
  cmd: string[];
  workingDir?: string;
  env: Readonly<Record<string, string>>;
  /** Host paths bound into the container (the staged shared directory at /shared, read-only inputs). */
  mounts: readonly RunMount[];
  /** What the container may do besides computing: network, capabilities, memory and processes. */
  access: RunAccess;
  labels: Readonly<Record<string, string>>;
  platform: Platform;
  /** Kill and remove the container after this long. */
  timeoutMs?: number;
  /** Aborting stops and removes the container (Ctrl-C, SIGTERM). */
  signal?: AbortSignal;
  /** Receives output as it arrives; a returned promise holds back further reads (backpressure). */
  onOutput: (stream: OutputStream, chunk: Buffer) => void | Promise<void>;
  /**
   * Awaited once the container is created and attached, right before it starts, so the caller can
   * finish preparing its mounts meanwhile; a rejection removes the container and fails the run as
   * not started (with that error).
   */
  beforeStart?: () => Promise<void>;
  /**
   * Resolve as soon as the container has ended and its output is read, while the engine still
   * removes it: `outcome.removed` settles once it is gone, and the caller must await it (e merges
   * meanwhile). Without this, `run` resolves after the removal.
   */
  deferRemoval?: boolean;
}

export interface RunMount {
  /** Absolute host path (may contain `:`). */
  source: string;
  /** Absolute path inside the container. */
  target: string;
  readOnly: boolean;
}

/** Least privilege: everything not granted here is denied (no-new-privileges always holds). */
export interface RunAccess {
  /** false: no network at all (`none`); true: the engine's default bridge. */
  network: boolean;
  /** Linux capabilities added back after dropping all (`NET_ADMIN`, ...); usually none. */
  capabilities: readonly string[];
  /** Memory limit in bytes. */
  memoryBytes: number;
  /** Most processes (and threads) the container may have at once. */
  pids: number;
}

export interface RunOutcome {
  /** The container's exit code; null when e stopped it (timeout or abort). */
  exitCode: number | null;
  ended: 'exited' | 'timed-out' | 'aborted';
  containerId: string;
  /** With `deferRemoval`: settles (never rejects) once the container is removed. */
  removed?: Promise<void>;
}

/** A container e started, found by its labels. */
export interface LabelledContainer {
  id: string;
  labels: Readonly<Record<string, string>>;
  /** `running`, `exited`, `created`, ... */
  state: string;
}

/**
 * The little e needs from a container engine. Pure code depends on this interface only; the one
 * implementation talks to Docker through dockerode (dockerode-runtime.ts), and unit tests pass a
 * plain object.
 */
export interface ContainerRuntime {
  /** Where the engine answers (socket path or DOCKER_HOST), for messages. */
  readonly endpoint: string;
  /**
   * True when the engine cannot see e's files (DOCKER_HOST tcp:// or ssh://): mounts then travel
   * as tars into volumes and back instead of bind mounts.
   */
  readonly remote?: boolean;
  /** The engine's own platform (`docker info`). */
  enginePlatform(): Promise<Platform>;
  /** The local image, or undefined when the engine does not have it. */
  inspectImage(ref: string): Promise<ImageDetails | undefined>;
  /** The platforms the registry holds for `ref` (the distribution endpoint), without pulling. */
  registryImage(ref: string): Promise<RegistryImage>;
  /** Pulls one platform of `ref`; fails on errors reported inside the progress stream. */
  pull(ref: string, options: PullOptions): Promise<void>;
  /** Runs a container to its end and removes it, whatever happens. */
  run(spec: RunSpec): Promise<RunOutcome>;
  /** Containers carrying every one of `labels`. */
  listContainers(labels: Readonly<Record<string, string>>): Promise<LabelledContainer[]>;
  /** Removes a container, running or not; a container already gone is not an error. */
  removeContainer(id: string): Promise<void>;
  /** Volumes carrying every one of `labels` (a remote run's read-only inputs; see RemoteCopies). */
  listVolumes?(
    labels: Readonly<Record<string, string>>,
  ): Promise<{ name: string; labels: Readonly<Record<string, string>> }[]>;
  /** Removes a volume; one already gone, or still in use, is not an error. */
  removeVolume?(name: string): Promise<void>;
}

const notStarted = new WeakSet<object>();

/** Marks an error of `run` thrown before the container started: nothing can have touched /shared. */
export function markNotStarted<T>(error: T): T {
  if (typeof error === 'object' && error !== null) notStarted.add(error);
  return error;
}

export function failedBeforeStart(error: unknown): boolean {
  return typeof error === 'object' && error !== null && notStarted.has(error);
}
