import { ArchiveError, ResolutionError, RuntimeError } from '../errors.js';
import type { ModuleVersion, Repository } from '../repository/model.js';
import { formatExplanation } from '../resolve/format-explanation.js';
import { parseInstallRequest } from '../resolve/install-request.js';
import { resolveInstall } from '../resolve/resolve-install.js';
import { selectVersion } from '../runtime/select-version.js';
import type { InstalledRecord } from '../state/installed-records.js';
import type { BomFile, BomPackage } from './bill-of-materials.js';

/*
 * The pure half of the bill of materials: which module versions it is for, and what they need,
 * deduplicated and in a stable order. Resolving images to digests is bill-of-materials.ts.
 */

export interface SelectedModule {
  name: string;
  version: ModuleVersion;
}

export interface SelectModulesOptions {
  repository: Repository;
  /** `kafka`, `kafka@0.1.0` (with `withDeps` also a range, `kafka@^0.1`). */
  modules?: readonly string[];
  /** e's installed records: every installed module at its installed version. */
  installed?: Readonly<Record<string, InstalledRecord>>;
  /** Add what the named modules strongly need, chosen as `e module install --with-deps` would on an empty site. */
  withDeps?: boolean;
  /** With `withDeps`: the modules to take when several could meet one requirement (`--prefer`). */
  prefer?: readonly string[];
}

const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** The module versions a bill is for, each once, sorted by name (then version). */
export function selectModules(options: SelectModulesOptions): SelectedModule[] {
  const out = new Map<string, SelectedModule>();
  const add = (name: string, version: ModuleVersion) => out.set(`${name}@${version.version}`, { name, version });
  for (const [name, record] of Object.entries(options.installed ?? {})) {
    add(name, selectVersion(options.repository, name, { installed: record }).version);
  }
  for (const spec of options.modules ?? []) {
    if (!options.withDeps) {
      const request = parseInstallRequest(spec);
      const chosen = selectVersion(
        options.repository,
        request.name,
        request.version === undefined ? {} : { requested: request.version },
      );
      add(chosen.component.name, chosen.version);
      continue;
    }
    // the closure on a site where nothing is installed yet: what the export must carry
    const result = resolveInstall({
      repository: options.repository,
      installed: {},
      request: parseInstallRequest(spec),
      options: { withDeps: true, prefer: options.prefer ?? [] },
    });
    if (!result.ok) {
      throw new ResolutionError('E_UNRESOLVED', formatExplanation(result.explanation).join('\n'), {
        details: { explanation: result.explanation },
        hint: result.explanation.reasons.some((r) => r.kind === 'ambiguous')
          ? 'choose with --prefer NAME, or name the modules to take instead of --with-deps'
          : 'e repo list shows the modules and versions there are',
      });
    }
    for (const step of result.steps) add(step.module, step.moduleVersion);
  }
  return [...out.values()].sort((a, b) => byName(a, b) || (a.version.version < b.version.version ? -1 : 1));
}

/** One image a module needs: on every platform (undefined), or on these (`linux/arm64`). */
export interface ImageNeed {
  reference: string;
  kind: 'module' | 'requirement';
  /** `kafka@0.1.0`, sorted. */
  usedBy: string[];
  platforms: string[] | undefined;
}

/** A file as the bill lists it. */
export type FileNeed = BomFile;
/** A package as the bill lists it. */
export type PackageNeed = BomPackage;

export interface Needs {
  images: ImageNeed[];
  files: FileNeed[];
  packages: PackageNeed[];
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * What `modules` need on `platforms` (undefined: every platform), each item once with every
 * module version that needs it: images by reference, files by name, packages by os, name and
 * version; sorted so that the same repository gives the same bill. Two module versions storing
 * different files under one name is an error.
 */
export function collectNeeds(modules: readonly SelectedModule[], platforms: readonly string[] | undefined): Needs {
  const wantedArches = platforms === undefined ? undefined : new Set(platforms.map((p) => p.split('/')[1]));
  /** The platforms an item is needed on, or null when it is not needed on any platform taken. */
  const platformsFor = (arches: readonly string[] | undefined): string[] | undefined | null => {
    if (arches === undefined) return platforms === undefined ? undefined : [...platforms];
    const taken =
      platforms === undefined
        ? arches.map((a) => `linux/${a}`)
        : platforms.filter((p) => arches.includes(p.split('/')[1]!));
    return taken.length === 0 ? null : taken;
  };
  const archesFor = (arches: readonly string[] | undefined): string[] | undefined | null => {
    if (arches === undefined) return undefined;
    const taken = wantedArches === undefined ? [...arches] : arches.filter((a) => wantedArches.has(a));
    return taken.length === 0 ? null : taken;
  };

  const images = new Map<
    string,
    { kind: ImageNeed['kind']; usedBy: Set<string>; platforms: Set<string> | undefined }
  >();
  const needImage = (reference: string, kind: ImageNeed['kind'], user: string, on: string[] | undefined | null) => {
    if (on === null) return;
    const entry = images.get(reference);
    if (entry === undefined) {
      images.set(reference, { kind, usedBy: new Set([user]), platforms: on === undefined ? undefined : new Set(on) });
      return;
    }
    entry.usedBy.add(user);
    if (kind === 'module') entry.kind = 'module';
    if (entry.platforms !== undefined) {
      if (on === undefined) entry.platforms = undefined;
      else for (const p of on) entry.platforms.add(p);
    }
  };
  const files = new Map<string, FileNeed & { users: Set<string>; arches: Set<string> | undefined }>();
  const packages = new Map<string, PackageNeed & { users: Set<string>; arches: Set<string> | undefined }>();

  for (const { name, version } of modules) {
    const user = `${name}@${version.version}`;
    const runsOn = version.architectures ?? (version.images ? Object.keys(version.images) : undefined);
    const unsupported = platforms?.filter((p) => runsOn !== undefined && !runsOn.includes(p.split('/')[1]!)) ?? [];
    if (unsupported.length > 0) {
      throw new RuntimeError(
        'E_PLATFORM_UNSUPPORTED',
        `${user} does not run on ${unsupported.join(', ')}; it offers ${runsOn!.map((a) => `linux/${a}`).join(', ')}.`,
        { hint: 'leave that platform out of --platform, or leave the module out' },
      );
    }
    if (version.image !== undefined) needImage(version.image, 'module', user, platformsFor(version.architectures));
    for (const [arch, reference] of Object.entries(version.images ?? {})) {
      needImage(reference, 'module', user, platformsFor([arch]));
    }
    const bill = version.requirements;
    for (const image of bill.images) needImage(image.image, 'requirement', user, platformsFor(image.architectures));
    for (const file of bill.files) {
      const arches = archesFor(file.architectures);
      if (arches === null) continue;
      const same = files.get(file.name);
      if (same === undefined) {
        files.set(file.name, {
          name: file.name,
          url: file.url,
          sha256: file.sha256,
          ...(file.size !== undefined ? { size: file.size } : {}),
          usedBy: [],
          users: new Set([user]),
          arches: arches === undefined ? undefined : new Set(arches),
        });
        continue;
      }
      if (same.url !== file.url || same.sha256 !== file.sha256) {
        const other = [...same.users].sort()[0];
        throw new ArchiveError(
          'E_REQUIREMENT_CONFLICT',
          `${user} and ${other} both need a file named "${file.name}", but with a different ${same.sha256 !== file.sha256 ? 'sha256' : 'URL'}.`,
          { hint: 'give one of them another name in the repository, or let both list the same file' },
        );
      }
      same.users.add(user);
      if (same.size === undefined && file.size !== undefined) same.size = file.size;
      if (same.arches !== undefined) {
        if (arches === undefined) same.arches = undefined;
        else for (const a of arches) same.arches.add(a);
      }
    }
    for (const pkg of bill.packages) {
      const arches = archesFor(pkg.architectures);
      if (arches === null) continue;
      const key = `${pkg.os}\0${pkg.name}\0${pkg.version}`;
      const same = packages.get(key);
      if (same === undefined) {
        packages.set(key, {
          name: pkg.name,
          version: pkg.version,
          os: pkg.os,
          usedBy: [],
          users: new Set([user]),
          arches: arches === undefined ? undefined : new Set(arches),
        });
        continue;
      }
      same.users.add(user);
      if (same.arches !== undefined) {
        if (arches === undefined) same.arches = undefined;
        else for (const a of arches) same.arches.add(a);
      }
    }
  }

  const sortedArches = (set: Set<string> | undefined) => (set === undefined ? {} : { architectures: [...set].sort() });
  return {
    images: [...images]
      .sort(([a], [b]) => compare(a, b))
      .map(([reference, e]) => ({
        reference,
        kind: e.kind,
        usedBy: [...e.usedBy].sort(),
        platforms: e.platforms === undefined ? undefined : [...e.platforms].sort(),
      })),
    files: [...files.values()]
      .sort((a, b) => compare(a.name, b.name))
      .map(({ users, arches, usedBy: _, ...file }) => ({
        ...file,
        ...sortedArches(arches),
        usedBy: [...users].sort(),
      })),
    packages: [...packages.values()]
      .sort((a, b) => compare(a.os, b.os) || compare(a.name, b.name) || compare(a.version, b.version))
      .map(({ users, arches, usedBy: _, ...pkg }) => ({ ...pkg, ...sortedArches(arches), usedBy: [...users].sort() })),
  };
}
