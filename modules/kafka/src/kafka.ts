import {
  type Address,
  type Change,
  claimNodes,
  defineModule,
  diffEffects,
  diffFiles,
  ModuleError,
  type ModuleMetadata,
  nodesUsedBy,
  pickUnusedNodes,
  type StateData,
  statusSchema,
} from '@e/module-sdk';
import { z } from 'zod';

/**
 * Bare Metal Kafka (mocked): a 3-broker cluster on nodes of an infrastructure module. Version
 * 0.2.0 of the module ships Kafka 2.6.0 and records `kafkaVersion` in its config and state.
 */
export const CLUSTER_SIZE = 3;
const LEGACY_KAFKA = '2.5.1';

/** Kafka shipped by each module version; the newest rules for versions it does not list. */
export function kafkaVersionOf(moduleVersion: string): string {
  return moduleVersion === '0.1.0' ? LEGACY_KAFKA : '2.6.0';
}
/** Module versions before 0.2.0 know nothing of `kafkaVersion`. */
function recordsKafkaVersion(moduleVersion: string): boolean {
  return moduleVersion !== '0.1.0';
}

export function metadata(version: string): ModuleMetadata {
  return {
    labels: {
      version,
      name: 'Bare Metal Kafka',
      short: 'BMK',
      kind: 'stream-processor',
      'core-technology': 'apache-kafka',
      'provides-kafka': kafkaVersionOf(version),
      'provides-zookeeper': '3.5.8',
    },
    requires: {
      strong: [
        [
          { key: 'kind', operator: 'eq', values: ['infrastructure'] },
          { key: 'provider', operator: 'in', values: ['azure', 'aws'] },
        ],
      ],
      weak: [
        [{ key: 'kind', operator: 'eq', values: ['logs-storage'] }],
        [
          { key: 'kind', operator: 'eq', values: ['monitoring'] },
          { key: 'core-technology', operator: 'eq', values: ['prometheus'] },
        ],
      ],
    },
    influences: [[{ key: 'kind', operator: 'eq', values: ['monitoring'] }]],
  };
}

const address = z.strictObject({ privateIP: z.string(), publicIP: z.string().optional() });

export const configSchema = z.strictObject({
  size: z.number().int().min(1),
  clusterNodes: z.array(address).min(1),
  kafkaVersion: z.string().optional(),
});
export type Config = z.infer<typeof configSchema>;

const clusterNode = z.looseObject({ privateIP: z.string(), publicIP: z.string().optional(), state: z.string() });
export const sectionSchema = z.looseObject({
  status: statusSchema,
  size: z.number().int().optional(),
  kafkaVersion: z.string().optional(),
  clusterNodes: z.array(clusterNode).optional(),
});
export type Section = z.infer<typeof sectionSchema>;

interface Inputs {
  module: string;
  version: string;
  state: StateData;
  section: Section | undefined;
}

/** A re-init keeps the applied cluster; a first init picks the first unused nodes as the state now has them. */
export function initialConfig({ module, version, state, section }: Inputs): Config {
  const applied = section?.status === 'applied' ? section.clusterNodes : undefined;
  const clusterNodes: Address[] =
    applied?.map(({ privateIP, publicIP }) => (publicIP === undefined ? { privateIP } : { privateIP, publicIP })) ??
    pickUnusedNodes(state, CLUSTER_SIZE, module);
  const config: Config = { size: clusterNodes.length, clusterNodes };
  if (recordsKafkaVersion(version)) config.kafkaVersion = kafkaVersionOf(version);
  return config;
}

/** What apply leaves: kafka's section, and the infrastructure sections whose nodes it claims or frees. */
export function desired(inputs: Inputs, config: Config): { section: Section; sections: Record<string, unknown> } {
  if (config.size !== config.clusterNodes.length) {
    throw new ModuleError(`size is ${config.size} but clusterNodes lists ${config.clusterNodes.length} node(s)`, {
      hint: `make them agree in ${inputs.module}-config.yml`,
    });
  }
  if (config.kafkaVersion !== undefined && !recordsKafkaVersion(inputs.version)) {
    throw new ModuleError(`kafkaVersion is not supported by kafka module ${inputs.version}`, {
      hint: 'remove it from the config, or use module version 0.2.0 or later',
    });
  }
  const section: Section = { status: 'applied', size: config.size };
  if (recordsKafkaVersion(inputs.version)) section.kafkaVersion = config.kafkaVersion ?? kafkaVersionOf(inputs.version);
  section.clusterNodes = config.clusterNodes.map((n) => ({ ...n, state: 'created' }));
  return { section, sections: claimNodes(inputs.state, inputs.module, config.clusterNodes) };
}

export function planChanges(inputs: Inputs, config: Config): Change[] {
  return diffEffects({ ...inputs.state, [inputs.module]: inputs.section }, inputs.module, desired(inputs, config));
}

/** The mocked brokers: one server.properties per node, as the state says they were configured. */
export function renderRemote(section: Section | undefined): Record<string, string> {
  if (section?.status !== 'applied') return {};
  const nodes = section.clusterNodes ?? [];
  const zookeeper = nodes.map((n) => `${n.privateIP}:2181`).join(',');
  const files: Record<string, string> = {};
  nodes.forEach((n, i) => {
    files[`${n.privateIP}/server.properties`] = [
      `# Apache Kafka ${section.kafkaVersion ?? LEGACY_KAFKA}`,
      `broker.id=${i}`,
      `listeners=PLAINTEXT://${n.privateIP}:9092`,
      ...(n.publicIP === undefined ? [] : [`advertised.listeners=PLAINTEXT://${n.publicIP}:9092`]),
      `zookeeper.connect=${zookeeper}`,
      '',
    ].join('\n');
  });
  return files;
}

/** Manual changes on the brokers, and cluster nodes the infrastructure no longer gives to kafka. */
export function findDrift(inputs: Inputs & { remote: Readonly<Record<string, string>> }): Change[] {
  const drift = diffFiles(renderRemote(inputs.section), inputs.remote);
  if (inputs.section?.status === 'applied') {
    const used = nodesUsedBy(inputs.state, inputs.module);
    (inputs.section.clusterNodes ?? []).forEach((n, i) => {
      if (!used.has(n.privateIP)) {
        drift.push({
          action: 'change',
          path: `${inputs.module}.clusterNodes.${i}`,
          from: `${n.privateIP} used by ${inputs.module}`,
          to: 'not a node the infrastructure gives to it',
        });
      }
    });
  }
  return drift;
}

/** Whether moving the applied cluster to this module version's Kafka would overwrite manual changes. */
export function upgradeNotes(inputs: Inputs, drift: readonly Change[]): string[] {
  if (inputs.section?.status !== 'applied') return [];
  const running = inputs.section.kafkaVersion ?? LEGACY_KAFKA;
  const target = kafkaVersionOf(inputs.version);
  if (running === target) return [];
  return drift.length === 0
    ? [`upgrade from Kafka ${running} to ${target} is safe: the brokers are as the state expects`]
    : [`upgrade from Kafka ${running} to ${target} is NOT safe: ${drift.length} manual change(s) would be overwritten`];
}

export const kafka = defineModule({
  name: 'kafka',
  defaultVersion: '0.1.0',
  metadata,
  config: configSchema,
  section: sectionSchema,
  touches: (_name, value) => value !== undefined && typeof value === 'object' && value !== null && 'nodes' in value,
  init: (ctx) => ({ config: initialConfig(ctx) }),
  plan: (ctx) => ({ changes: planChanges(ctx, ctx.config) }),
  apply: (ctx) => {
    const result = desired(ctx, ctx.config);
    return { ...result, remote: renderRemote(result.section) };
  },
  audit: (ctx) => {
    const drift = findDrift(ctx);
    return { drift, notes: upgradeNotes(ctx, drift) };
  },
  commands: {
    destroy: (ctx) => ({
      section: { status: 'destroyed' as const },
      sections: claimNodes(ctx.state, ctx.module, []),
      remote: {},
    }),
  },
});
