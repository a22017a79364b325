import type Dockerode from 'dockerode';
import { RuntimeError } from '../errors.js';
import { type EngineInfo, loadDockerode } from './dockerode-runtime.js';
import { describeEndpoint, engineError } from './engine-error.js';
import type { BuildSpec, ImageBuilder, LocalImage } from './image-builder.js';
import { formatPlatform, normalizeArchitecture, type Platform } from './platform.js';
import { insecureRegistries, putManifest, type RawManifest, readRawManifest } from './registry-client.js';
import { engineOptions } from './ssh-dial.js';

/** How much of a failed build's log an error quotes. */
const LOG_TAIL = 2000;

interface StreamEvent {
  stream?: string;
  error?: string;
  errorDetail?: { message?: string };
}

/** Builds, tags, pushes and pulls through dockerode; reads and writes manifests over the registry API. */
export async function createDockerBuilder(): Promise<ImageBuilder> {
  const Docker = loadDockerode();
  return new DockerodeBuilder(new Docker(engineOptions()), describeEndpoint());
}

class DockerodeBuilder implements ImageBuilder {
  readonly endpoint: string;
  readonly #docker: Dockerode;
  #info: Promise<EngineInfo> | undefined;

  constructor(docker: Dockerode, endpoint: string) {
    this.#docker = docker;
    this.endpoint = endpoint;
  }

  async inspect(ref: string): Promise<LocalImage | undefined> {
    try {
      const image = await this.#docker.getImage(ref).inspect();
      return {
        id: image.Id,
        os: image.Os,
        architecture: normalizeArchitecture(image.Architecture),
        labels: image.Config?.Labels ?? {},
        repoDigests: image.RepoDigests ?? [],
      };
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return undefined;
      throw engineError(error, this.endpoint, `inspect image ${ref}`);
    }
  }

  async build(spec: BuildSpec): Promise<void> {
    const log: string[] = [];
    const stream = await this.#call(`build ${spec.tag}`, () =>
      this.#docker.buildImage(
        { context: spec.contextDir, src: [...spec.files] },
        {
          t: spec.tag,
          platform: formatPlatform(spec.platform),
          buildargs: { ...spec.buildArgs },
          labels: { ...spec.labels },
          rm: true,
          forcerm: true,
          pull: false,
        },
      ),
    );
    try {
      await this.#follow(stream, (event) => {
        if (event.stream) log.push(event.stream);
      });
    } catch (error) {
      const tail = log.join('').slice(-LOG_TAIL).trimEnd();
      throw new RuntimeError(
        'E_BUILD_FAILED',
        `The build of ${spec.tag} for ${formatPlatform(spec.platform)} failed: ${(error as Error).message}${tail ? `\n${tail}` : ''}`,
        {
          hint: 'Fix the Dockerfile or the context. A RUN step for another platform than the engine’s needs emulation (qemu-user-static in binfmt_misc; make setup registers it).',
        },
      );
    }
  }

  async tag(source: string, target: string): Promise<void> {
    const colon = target.lastIndexOf(':');
    const repo = colon > target.lastIndexOf('/') ? target.slice(0, colon) : target;
    const tag = colon > target.lastIndexOf('/') ? target.slice(colon + 1) : 'latest';
    await this.#call(`tag ${source} as ${target}`, () => this.#docker.getImage(source).tag({ repo, tag }));
  }

  async untag(ref: string): Promise<void> {
    try {
      await this.#docker.getImage(ref).remove({ noprune: true });
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return;
      throw engineError(error, this.endpoint, `untag ${ref}`);
    }
  }

  async push(ref: string): Promise<void> {
    const stream = await this.#call(`push ${ref}`, () => this.#docker.getImage(ref).push({ authconfig: {} }));
    await this.#follow(stream).catch((error: unknown) => {
      throw engineError(error, this.endpoint, `push ${ref}`);
    });
  }

  async pull(ref: string, platform: Platform): Promise<void> {
    const stream = await this.#call(
      `pull ${ref}`,
      () => this.#docker.pull(ref, { platform: formatPlatform(platform) }) as Promise<NodeJS.ReadableStream>,
    );
    await this.#follow(stream).catch((error: unknown) => {
      throw engineError(error, this.endpoint, `pull ${ref} for ${formatPlatform(platform)}`);
    });
  }

  async registryManifest(ref: string, accept: readonly string[]): Promise<RawManifest | undefined> {
    return readRawManifest(ref, accept, { insecure: insecureRegistries(await this.#engineInfo()) });
  }

  async putRegistryManifest(ref: string, manifest: { mediaType: string; body: string }): Promise<string> {
    return putManifest(ref, manifest, { insecure: insecureRegistries(await this.#engineInfo()) });
  }

  #engineInfo(): Promise<EngineInfo> {
    this.#info ??= this.#call('describe itself', () => this.#docker.info() as Promise<EngineInfo>);
    return this.#info;
  }

  /** Waits for a build, push or pull stream and fails on the errors the engine reports inside it. */
  #follow(stream: NodeJS.ReadableStream, onEvent?: (event: StreamEvent) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      let failure: string | undefined;
      this.#docker.modem.followProgress(
        stream,
        (err: Error | null) => {
          if (err) reject(err);
          else if (failure !== undefined) reject(new Error(failure));
          else resolve();
        },
        (event: StreamEvent) => {
          failure ??= event.error ?? event.errorDetail?.message;
          onEvent?.(event);
        },
      );
    });
  }

  async #call<T>(doing: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw engineError(error, this.endpoint, doing);
    }
  }
}
