/**
 * The parsed, validated repository file (format: docs/repository.md). Everything downstream
 * (selectors, resolver, runtime) works on these plain types, never on YAML nodes.
 */

/** Label values keep what was written: versions stay strings ("1.10" is not 1.1). */
export type LabelValue = string | number | boolean;
export type Labels = Readonly<Record<string, LabelValue>>;

export type Operator =
  | 'eq'
  | 'ne'
  | 'in'
  | 'notin'
  | 'exists'
  | 'doesnotexist'
  | 'gt'
  | 'ge'
  | 'lt'
  | 'le'
  | 'semver'
  | 'logic';

export interface MatchExpression {
  key: string;
  /** Always the canonical lower-case spelling (Kubernetes `NotIn` becomes `notin`). */
  operator: Operator;
  /** Strings for every operator but `logic`, whose single value is a json-logic rule. */
  values: readonly unknown[];
}

/** One requirement: ALL its expressions must be met by ONE module. */
export type Requirement = readonly MatchExpression[];

export interface ModuleCommand {
  name: string;
  description?: string;
  command: string;
  envs: Readonly<Record<string, string>>;
  args: readonly string[];
}

export const REQUIRED_COMMANDS = ['metadata', 'init', 'plan', 'apply', 'audit'] as const;

/** An image a module needs besides its own; on every architecture, or only on `architectures`. */
export interface RequiredImage {
  image: string;
  architectures?: readonly string[];
}

/** A file to download, checked against `sha256` (64 lower-case hex digits). */
export interface RequiredFile {
  name: string;
  url: string;
  sha256: string;
  size?: number;
  architectures?: readonly string[];
}

/** An OS package, fetched by the repository's downloader module (`kind: downloader`). */
export interface RequiredPackage {
  name: string;
  version: string;
  /** e.g. `debian-12`. */
  os: string;
  architectures?: readonly string[];
}

export interface ModuleRequirements {
  images: readonly RequiredImage[];
  files: readonly RequiredFile[];
  packages: readonly RequiredPackage[];
}

export interface ModuleVersion {
  /** Exactly as written in the file, e.g. "0.1.0" or "1.10". */
  version: string;
  latest: boolean;
  /** A single (possibly multi-arch) image reference... */
  image?: string;
  /** ...or one image per architecture (`amd64`, `arm64`, ...). */
  images?: Readonly<Record<string, string>>;
  /** Declared architectures (`amd64`, `arm64`, ...); undefined when not declared. */
  architectures?: readonly string[];
  workdir?: string;
  mounts: readonly string[];
  labels: Labels;
  requires: { strong: readonly Requirement[]; weak: readonly Requirement[] };
  influences: readonly Requirement[];
  /** What it needs on an air-gapped site besides its own image (`e requirements`, `e export`). */
  requirements: ModuleRequirements;
  commands: readonly ModuleCommand[];
  /** Network access for its containers; undefined: the default (see runtime/run-access.ts). */
  network?: boolean;
  /** Linux capabilities its containers get back after all are dropped. */
  capabilities?: readonly string[];
  /** Overrides of the default container limits. */
  resources?: { memoryBytes?: number; pids?: number };
}

export interface Component {
  name: string;
  type: 'docker';
  versions: readonly ModuleVersion[];
}

export interface Repository {
  /** Where it was read from (path or URL), for messages. */
  source: string;
  components: readonly Component[];
}

/** The state.yml top-level key reserved for e's own records; no module may be named so. */
export const RESERVED_STATE_KEY = 'e';
