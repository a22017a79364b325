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
 * Rook Ceph (mocked): block storage on the workers of an applied Kubernetes (a section with
 * `status: applied` and `workers: [{privateIP}]`). It offers a storage class: the persistence
 * contract postgresql relies on (`storageClass` in an applied section).
 */
export const STORAGE_CLASS = 'rook-ceph-block';

export const configSchema = z.strictObject({
  kubernetes: z.string(),
  storageClass: z.string().regex(/^[a-z0-9-]+$/, 'a Kubernetes name: lower-case letters, digits and -'),
  replicas: z.number().int().min(1),
  osdNodes: z.array(z.string()).min(1),
});
export type Config = z.infer<typeof configSchema>;

export const sectionSchema = z.looseObject({
  status: statusSchema,
  kubernetes: z.string().optional(),
  storageClass: z.string().optional(),
  replicas: z.number().int().optional(),
  osdNodes: z.array(z.string()).optional(),
});
export type Section = z.infer<typeof sectionSchema>;

/** Applied orchestrators in state order, with their workers' private IPs. */
export function orchestrators(state: StateData): [string, string[]][] {
  return Object.entries(state).flatMap(([name, value]): [string, string[]][] => {
    if (name === RESERVED_STATE_KEY || typeof value !== 'object' || value === null) return [];
    const { status, workers } = value as { status?: unknown; workers?: unknown };
    if (status !== 'applied' || !Array.isArray(workers)) return [];
    return [[name, workers.map((w) => String((w as { privateIP?: unknown }).privateIP))]];
  });
}

export function initialConfig(state: StateData, section: Section | undefined): Config {
  if (
    section?.status === 'applied' &&
    section.kubernetes &&
    section.storageClass &&
    section.replicas &&
    section.osdNodes
  ) {
    const { kubernetes, storageClass, replicas, osdNodes } = section;
    return { kubernetes, storageClass, replicas, osdNodes };
  }
  const [first] = orchestrators(state);
  if (first === undefined) {
    throw new ModuleError('no applied Kubernetes in the state (a section with status: applied and workers)', {
      hint: 'install one first: e module install kubernetes',
    });
  }
  const [kubernetes, workers] = first;
  return { kubernetes, storageClass: STORAGE_CLASS, replicas: Math.min(3, workers.length), osdNodes: workers };
}

export function desiredSection(config: Config, state: StateData): Section {
  const workers = new Map(orchestrators(state)).get(config.kubernetes);
  if (workers === undefined) throw new ModuleError(`"${config.kubernetes}" is not an applied Kubernetes in the state`);
  const strangers = config.osdNodes.filter((ip) => !workers.includes(ip));
  if (strangers.length > 0) {
    throw new ModuleError(`osdNodes ${strangers.join(', ')} are not workers of ${config.kubernetes}`);
  }
  if (config.replicas > config.osdNodes.length) {
    throw new ModuleError(
      `replicas (${config.replicas}) cannot exceed the number of osdNodes (${config.osdNodes.length})`,
    );
  }
  return { status: 'applied', ...config };
}

export function planChanges(config: Config, state: StateData, section: Section | undefined, module: string): Change[] {
  return diffValues(section, desiredSection(config, state), module);
}

/** The mocked manifests applied to the cluster, as the state says they were. */
export function renderRemote(section: Section | undefined): Record<string, string> {
  if (section?.status !== 'applied') return {};
  const cluster = {
    apiVersion: 'ceph.rook.io/v1',
    kind: 'CephCluster',
    metadata: { name: 'rook-ceph', namespace: 'rook-ceph' },
    spec: { storage: { nodes: (section.osdNodes ?? []).map((name) => ({ name })) } },
  };
  const storageClass = {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name: section.storageClass },
    provisioner: 'rook-ceph.rbd.csi.ceph.com',
    parameters: { pool: 'replicapool', replicas: String(section.replicas) },
  };
  return { 'cluster.yaml': stringify(cluster), 'storageclass.yaml': stringify(storageClass) };
}

export const rook = defineModule({
  name: 'rook',
  defaultVersion: '0.1.0',
  metadata: (version) => ({
    labels: {
      version,
      name: 'Rook Ceph',
      short: 'ROOK',
      kind: 'persistence',
      'core-technology': 'ceph',
      'provides-storage-class': STORAGE_CLASS,
    },
    requires: {
      strong: [
        [
          { key: 'kind', operator: 'eq', values: ['orchestrator'] },
          { key: 'core-technology', operator: 'eq', values: ['kubernetes'] },
        ],
      ],
    },
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
