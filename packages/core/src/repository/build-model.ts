import { normalizeOperator } from '../selector/operators.js';
import type {
  Component,
  LabelValue,
  MatchExpression,
  ModuleCommand,
  ModuleVersion,
  Repository,
  Requirement,
} from './model.js';

/* The shapes below are what the schema and rules have already accepted. */
interface RawExpression {
  key: string;
  operator: string;
  values?: unknown[];
}
interface RawVersion {
  version: string;
  latest?: boolean;
  image?: string;
  images?: Record<string, string>;
  architectures?: string[];
  workdir?: string;
  mounts?: string[];
  labels?: Record<string, LabelValue>;
  requires?: { strong?: RawExpression[][]; weak?: RawExpression[][] };
  influences?: RawExpression[][];
  requirements?: { images?: string[]; files?: string[]; packages?: string[] };
  commands: { name: string; description?: string; command: string; envs?: Record<string, string>; args?: string[] }[];
}
export interface RawRepository {
  components: { name: string; type: 'docker'; versions: RawVersion[] }[];
}

function plain<T>(record: Record<string, T> | undefined): Record<string, T> {
  return record === undefined ? {} : { ...record };
}

function requirements(list: RawExpression[][] | undefined): Requirement[] {
  return (list ?? []).map((requirement) =>
    requirement.map(
      (expr): MatchExpression => ({
        key: expr.key,
        operator: normalizeOperator(expr.operator)!,
        values: expr.values ?? [],
      }),
    ),
  );
}

function command(raw: RawVersion['commands'][number]): ModuleCommand {
  return {
    name: raw.name,
    ...(raw.description !== undefined ? { description: raw.description } : {}),
    command: raw.command,
    envs: plain(raw.envs),
    args: raw.args ?? [],
  };
}

function version(raw: RawVersion): ModuleVersion {
  return {
    version: raw.version,
    latest: raw.latest === true,
    ...(raw.image !== undefined ? { image: raw.image } : {}),
    ...(raw.images !== undefined ? { images: plain(raw.images) } : {}),
    ...(raw.architectures !== undefined ? { architectures: raw.architectures } : {}),
    ...(raw.workdir !== undefined ? { workdir: raw.workdir } : {}),
    mounts: raw.mounts ?? [],
    labels: plain(raw.labels),
    requires: { strong: requirements(raw.requires?.strong), weak: requirements(raw.requires?.weak) },
    influences: requirements(raw.influences),
    requirements: {
      images: raw.requirements?.images ?? [],
      files: raw.requirements?.files ?? [],
      packages: raw.requirements?.packages ?? [],
    },
    commands: raw.commands.map(command),
  };
}

/** The model of a repository whose data passed the schema and the rules. */
export function buildRepository(raw: RawRepository, source: string): Repository {
  return {
    source,
    components: raw.components.map(
      (component): Component => ({
        name: component.name,
        type: component.type,
        versions: component.versions.map(version),
      }),
    ),
  };
}
