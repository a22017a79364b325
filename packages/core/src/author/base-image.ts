/**
 * The Node.js base image e publishes for modules: Debian bookworm (minbase) with Node.js 18 and
 * `sh`, for linux/amd64 and linux/arm64, under `<registry>/e/base-node:<version>` (a multi-arch
 * index over `...:<version>-amd64` and `...:<version>-arm64`). Scaffolds name it as the default of
 * their `ARG BASE`. Bump the version when the recipe (scripts/build-images.mjs) changes what is in it.
 */
export const BASE_IMAGE = { repository: 'e/base-node', version: '0.1.0' } as const;

/** The registry of the test bed (`make setup` starts it); E_TEST_REGISTRY overrides it. */
export const DEFAULT_REGISTRY = 'localhost:5000';

/** Every image e builds carries this label: the content hash its cache is keyed by. */
export const CONTENT_HASH_LABEL = 'org.e.content-hash';

/** `localhost:5000/e/base-node:0.1.0`. */
export function baseImageRef(registry: string = DEFAULT_REGISTRY): string {
  return `${registry}/${BASE_IMAGE.repository}:${BASE_IMAGE.version}`;
}

/** The registry e builds for: E_TEST_REGISTRY, else the test bed's. */
export function registryFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return env.E_TEST_REGISTRY || DEFAULT_REGISTRY;
}
