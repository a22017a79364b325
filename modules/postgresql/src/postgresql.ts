import {
  type Change,
  defineModule,
  diffFiles,
  diffValues,
  ModuleError,
  RESERVED_STATE_KEY,
  type StateData,
  statusSchema,
} from '@e/module-sdk';
import { stringify } from 'yaml';
import { z } from 'zod';

/**
 * PostgreSQL (mocked): a StatefulSet on the storage class of an applied persistence module (a
 * section with `status: applied` and `storageClass`).
 */
export const POSTGRESQL_VERSION = '15.4';

export const configSchema = z.strictObject({
  storageClass: z.string(),
  replicas: z.number().int().min(1).max(5),
  databases: z.array(z.string().regex(/^[a-z_][a-z0-9_]*$/, 'a lower-case SQL identifier')).min(1),
});
export type Config = z.infer<typeof configSchema>;

export const sectionSchema = z.looseObject({
  status: statusSchema,
  version: z.string().optional(),
  storageClass: z.string().optional(),
  replicas: z.number().int().optional(),
  databases: z.array(z.string()).optional(),
  endpoint: z.string().optional(),
});
export type Section = z.infer<typeof sectionSchema>;

export const ENDPOINT = 'postgresql.default.svc:5432';

/** Storage classes offered by applied persistence modules, in state order. */
export function storageClasses(state: StateData): string[] {
  return Object.entries(state).flatMap(([name, value]) => {
    if (name === RESERVED_STATE_KEY || typeof value !== 'object' || value === null) return [];
    const { status, storageClass } = value as { status?: unknown; storageClass?: unknown };
    return status === 'applied' && typeof storageClass === 'string' ? [storageClass] : [];
  });
}

export function initialConfig(state: StateData, section: Section | undefined): Config {
  if (section?.status === 'applied' && section.storageClass && section.replicas && section.databases) {
    return { storageClass: section.storageClass, replicas: section.replicas, databases: section.databases };
  }
  const [storageClass] = storageClasses(state);
  if (storageClass === undefined) {
    throw new ModuleError(
      'no applied persistence module in the state (a section with status: applied and storageClass)',
      {
        hint: 'install one first: e module install rook',
      },
    );
  }
  return { storageClass, replicas: 1, databases: ['app'] };
}

export function desiredSection(config: Config, state: StateData): Section {
  if (!storageClasses(state).includes(config.storageClass)) {
    throw new ModuleError(`storage class "${config.storageClass}" is not offered by any applied persistence module`);
  }
  return { status: 'applied', version: POSTGRESQL_VERSION, ...config, endpoint: ENDPOINT };
}

export function planChanges(config: Config, state: StateData, section: Section | undefined, module: string): Change[] {
  return diffValues(section, desiredSection(config, state), module);
}

/** The mocked cluster objects, as the state says they were created. */
export function renderRemote(section: Section | undefined): Record<string, string> {
  if (section?.status !== 'applied') return {};
  const statefulSet = {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'postgresql' },
    spec: {
      replicas: section.replicas,
      template: { spec: { containers: [{ name: 'postgresql', image: `postgres:${section.version}` }] } },
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { storageClassName: section.storageClass } }],
    },
  };
  return {
    'statefulset.yaml': stringify(statefulSet),
    'databases.sql': (section.databases ?? []).map((db) => `CREATE DATABASE ${db};\n`).join(''),
  };
}

export const postgresql = defineModule({
  name: 'postgresql',
  defaultVersion: '0.1.0',
  metadata: (version) => ({
    labels: {
      version,
      name: 'PostgreSQL',
      short: 'PG',
      kind: 'database',
      'core-technology': 'postgresql',
      'provides-postgresql': POSTGRESQL_VERSION,
    },
    requires: { strong: [[{ key: 'kind', operator: 'eq', values: ['persistence'] }]] },
  }),
  config: configSchema,
  section: sectionSchema,
  init: (ctx) => ({ config: initialConfig(ctx.state, ctx.section) }),
  plan: (ctx) => ({ changes: planChanges(ctx.config, ctx.state, ctx.section, ctx.module) }),
  apply: (ctx) => {
    const section = desiredSection(ctx.config, ctx.state);
    return { section, remote: renderRemote(section) };
  },
  audit: (ctx) => ({ drift: diffFiles(renderRemote(ctx.section), ctx.remote) }),
  commands: {
    destroy: () => ({ section: { status: 'destroyed' as const }, remote: {} }),
  },
});
