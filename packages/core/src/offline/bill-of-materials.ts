import { findVersion } from '../repository/find-module.js';
import type { ModuleVersion, Repository } from '../repository/model.js';
import {
  type ManifestInfo,
  parseRegistryRef,
  type RegistryClientOptions,
  readManifest,
} from '../runtime/registry-client.js';
import type { InstalledRecord } from '../state/installed-records.js';

/**
 * The bill of materials of an export (`e requirements`, `e export`): every image, file and OS
 * package a set of module versions needs, deduplicated and in a stable order.
 */

/** One image, resolved to digests in its registry. */
export interface BomImage {
  /** As the repository names it, e.g. `localhost:5000/modules/kafka:0.1.0`. */
  reference: string;
  /** Registry host, e.g. `localhost:5000` (`registry-1.docker.io` for Docker Hub). */
  registry: string;
  /** Repository path inside the registry, e.g. `modules/kafka`. */
  repository: string;
  tag?: string;
  /**
   * Digest of what is exported: the registry's digest when all its platforms are taken (or the
   * image is a single manifest); the platform's manifest digest when only one platform of an index
   * is taken; else (several but not all) still the registry's index digest, and `allPlatforms`
   * is false: the exporter writes a new index of `platforms` (its digest differs).
   */
  digest: string;
  /** The digest the reference names in the registry (index or single manifest). */
  registryDigest: string;
  /** Whether every platform of the registry's index is taken (always true for a single manifest). */
  allPlatforms: boolean;
  /** Per-platform manifest digests of the platforms taken, sorted by platform (`linux/amd64`). */
  platforms: { platform: string; digest: string }[];
  /** `module`: the image a module runs in; `requirement`: an image a module lists in `requirements.images`. */
  kind: 'module' | 'requirement';
  /** `kafka@0.1.0` of every module version that needs it, sorted. */
  usedBy: string[];
}

/** One file to download, checked against its sha256. */
export interface BomFile {
  /** File name it is stored under, e.g. `kafka_2.12-2.5.1.tgz`. */
  name: string;
  url: string;
  /** 64 lower-case hex digits. */
  sha256: string;
  size?: number;
  architectures?: string[];
  usedBy: string[];
}

/** One OS package, handed to the repository's downloader module. */
export interface BomPackage {
  name: string;
  version: string;
  /** e.g. `debian-12`. */
  os: string;
  architectures?: string[];
  usedBy: string[];
}

export interface BillOfMaterials {
  /** The module versions the bill is for, sorted by name. */
  modules: { name: string; version: string }[];
  /** Platforms taken, e.g. `linux/amd64`, sorted. */
  platforms: string[];
  images: BomImage[];
  files: BomFile[];
  packages: BomPackage[];
  totals: {
    images: number;
    files: number;
    packages: number;
    /** Sum of the files' sizes, where the repository states them. */
    fileBytes: number;
    /** Files without a stated size (their bytes are not in fileBytes). */
    filesWithoutSize: number;
  };
}

export interface BillOfMaterialsOptions {
  /** The loaded repository. */
  repository: Repository;
  /** `kafka` or `kafka@0.1.0`; with `installed` they may be left out. */
  modules?: string[];
  /** Take the installed modules (e's records in the shared directory's state). */
  installed?: Readonly<Record<string, InstalledRecord>>;
  /** Add the modules the named ones need (the resolver's `--with-deps` closure). */
  withDeps?: boolean;
  /** `linux/amd64`, ...; default: every platform of each image. */
  platforms?: string[];
  /** How to reach registries; default: plain HTTP for loopback hosts only. */
  registry?: RegistryClientOptions;
}

const LOOPBACK_ONLY: RegistryClientOptions = {
  insecure: (host) => /^(localhost|127\.[0-9.]+|\[::1\])(:\d+)?$/.test(host),
};

/**
 * FIRST VERSION (interface for `e export`): module images only, no dependency closure yet;
 * the shape above is what later versions keep.
 */
export async function billOfMaterials(options: BillOfMaterialsOptions): Promise<BillOfMaterials> {
  const registry = options.registry ?? LOOPBACK_ONLY;
  const selected = selectModules(options);
  const wanted = options.platforms === undefined ? undefined : [...new Set(options.platforms)].sort();
  const images = new Map<string, { kind: BomImage['kind']; usedBy: Set<string> }>();
  for (const { name, version } of selected) {
    for (const reference of moduleImages(version)) {
      const entry = images.get(reference) ?? { kind: 'module' as const, usedBy: new Set<string>() };
      entry.usedBy.add(`${name}@${version.version}`);
      images.set(reference, entry);
    }
  }
  const resolved: BomImage[] = [];
  for (const [reference, entry] of [...images].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const manifest = await readManifest(reference, registry);
    resolved.push(bomImage(reference, manifest, wanted, entry.kind, [...entry.usedBy].sort()));
  }
  const platforms = wanted ?? [...new Set(resolved.flatMap((i) => i.platforms.map((p) => p.platform)))].sort();
  return {
    modules: selected.map(({ name, version }) => ({ name, version: version.version })),
    platforms,
    images: resolved,
    files: [],
    packages: [],
    totals: { images: resolved.length, files: 0, packages: 0, fileBytes: 0, filesWithoutSize: 0 },
  };
}

function selectModules(options: BillOfMaterialsOptions): { name: string; version: ModuleVersion }[] {
  const out: { name: string; version: ModuleVersion }[] = [];
  const specs = options.modules ?? [];
  for (const spec of specs) {
    const [name, wanted] = spec.split('@') as [string, string | undefined];
    const component = options.repository.components.find((c) => c.name === name);
    const version =
      component &&
      (wanted
        ? findVersion(component, wanted)
        : (component.versions.find((v) => v.latest) ?? component.versions.at(-1)));
    if (version) out.push({ name, version });
  }
  for (const [name, record] of Object.entries(options.installed ?? {})) {
    const component = options.repository.components.find((c) => c.name === name);
    const version = component && findVersion(component, record.version);
    if (version) out.push({ name, version });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function moduleImages(version: ModuleVersion): string[] {
  if (version.image !== undefined) return [version.image];
  return Object.values(version.images ?? {});
}

function bomImage(
  reference: string,
  manifest: ManifestInfo,
  wanted: readonly string[] | undefined,
  kind: BomImage['kind'],
  usedBy: string[],
): BomImage {
  const at = reference.indexOf('@');
  const path = at === -1 ? reference : reference.slice(0, at);
  const colon = path.lastIndexOf(':');
  const tag = colon > path.lastIndexOf('/') ? path.slice(colon + 1) : undefined;
  const { host, name } = parseRegistryRef(reference);
  const all =
    manifest.manifests.length > 0
      ? manifest.manifests.map((m) => ({ platform: `${m.platform.os}/${m.platform.architecture}`, digest: m.digest }))
      : manifest.platform
        ? [{ platform: `${manifest.platform.os}/${manifest.platform.architecture}`, digest: manifest.digest }]
        : [];
  const platforms = all
    .filter((p) => wanted === undefined || wanted.includes(p.platform))
    .sort((a, b) => (a.platform < b.platform ? -1 : a.platform > b.platform ? 1 : 0));
  const allPlatforms = platforms.length === all.length;
  const digest = allPlatforms || platforms.length !== 1 ? manifest.digest : platforms[0]!.digest;
  return {
    reference,
    registry: host,
    repository: name,
    ...(tag !== undefined ? { tag } : {}),
    digest,
    registryDigest: manifest.digest,
    allPlatforms,
    platforms,
    kind,
    usedBy,
  };
}
