import type { Platform } from './platform.js';
import type { RawManifest } from './registry-client.js';

/** A local image as a build needs to know it. */
export interface LocalImage {
  /** Config digest (`sha256:...`): differs per platform. */
  id: string;
  os: string;
  architecture: string;
  labels: Readonly<Record<string, string>>;
  /** `repo@sha256:...` for every registry manifest this image is known by. */
  repoDigests: string[];
}

export interface BuildSpec {
  /** A directory holding exactly the build context (nothing is filtered out of it). */
  contextDir: string;
  /** Every path of the context, relative to `contextDir`. */
  files: readonly string[];
  tag: string;
  platform: Platform;
  buildArgs: Readonly<Record<string, string>>;
  labels: Readonly<Record<string, string>>;
}

/**
 * What building and publishing images needs from the engine and the registry. Pure code depends
 * on this interface only; the one implementation is dockerode's (dockerode-builder.ts), and unit
 * tests pass a plain object.
 */
export interface ImageBuilder {
  /** Where the engine answers, for messages. */
  readonly endpoint: string;
  inspect(ref: string): Promise<LocalImage | undefined>;
  /** Builds with the classic builder, never pulling a newer base; fails with the end of the build log. */
  build(spec: BuildSpec): Promise<void>;
  /** Gives the local image `source` the extra name `target`. */
  tag(source: string, target: string): Promise<void>;
  /** Removes the name `ref` (not the image, when other names keep it). */
  untag(ref: string): Promise<void>;
  push(ref: string): Promise<void>;
  pull(ref: string, platform: Platform): Promise<void>;
  /** The registry's manifest of `ref` among `accept`ed media types, undefined when it has none. */
  registryManifest(ref: string, accept: readonly string[]): Promise<RawManifest | undefined>;
  /** Stores a manifest (an index) under the tag `ref`; returns its digest. */
  putRegistryManifest(ref: string, manifest: { mediaType: string; body: string }): Promise<string>;
}
