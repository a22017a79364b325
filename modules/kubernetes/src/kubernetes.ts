import {
  type Address,
  type Change,
  claimNodes,
  defineModule,
  diffEffects,
  diffFiles,
  ModuleError,
  pickUnusedNodes,
  type StateData,
  statusSchema,
} from '@e/module-sdk';
import { z } from 'zod';

/** On-prem Kubernetes (mocked): one control-plane node and two workers on infrastructure nodes. */
export const KUBERNETES_VERSION = '1.29.4';
export const WORKERS = 2;

const address = z.strictObject({ privateIP: z.string(), publicIP: z.string().optional() });

export const configSchema = z.strictObject({
  version: z.string(),
  masters: z.array(address).length(1),
  workers: z.array(address).min(1),
});
export type Config = z.infer<typeof configSchema>;

const member = z.looseObject({ privateIP: z.string(), publicIP: z.string().optional() });
export const sectionSchema = z.looseObject({
  status: statusSchema,
  version: z.string().optional(),
  masters: z.array(member).optional(),
  workers: z.array(member).optional(),
});
export type Section = z.infer<typeof sectionSchema>;

interface Inputs {
  module: string;
  state: StateData;
  section: Section | undefined;
}

export function initialConfig({ module, state, section }: Inputs): Config {
  if (section?.status === 'applied' && section.masters !== undefined && section.workers !== undefined) {
    return {
      version: section.version ?? KUBERNETES_VERSION,
      masters: section.masters.map(strip),
      workers: section.workers.map(strip),
    };
  }
  const [master, ...workers] = pickUnusedNodes(state, 1 + WORKERS, module);
  return { version: KUBERNETES_VERSION, masters: [master!], workers };
}

export function desired(inputs: Inputs, config: Config): { section: Section; sections: Record<string, unknown> } {
  const all = [...config.masters, ...config.workers].map((a) => a.privateIP);
  const duplicate = all.find((ip, i) => all.indexOf(ip) !== i);
  if (duplicate !== undefined) throw new ModuleError(`${duplicate} is listed twice in masters/workers`);
  return {
    section: { status: 'applied', version: config.version, masters: config.masters, workers: config.workers },
    sections: claimNodes(inputs.state, inputs.module, [...config.masters, ...config.workers]),
  };
}

export function planChanges(inputs: Inputs, config: Config): Change[] {
  return diffEffects({ ...inputs.state, [inputs.module]: inputs.section }, inputs.module, desired(inputs, config));
}

/** The mocked kubelets: one file per node with its role, as the state says they were joined. */
export function renderRemote(section: Section | undefined): Record<string, string> {
  if (section?.status !== 'applied') return {};
  const files: Record<string, string> = {};
  const write = (role: string) => (n: Address) => {
    files[`${n.privateIP}/kubelet.yaml`] =
      `kubernetesVersion: ${section.version}\nrole: ${role}\nnodeIP: ${n.privateIP}\n`;
  };
  (section.masters ?? []).forEach(write('control-plane'));
  (section.workers ?? []).forEach(write('worker'));
  return files;
}

function strip({ privateIP, publicIP }: Address): Address {
  return publicIP === undefined ? { privateIP } : { privateIP, publicIP };
}

export const kubernetes = defineModule({
  name: 'kubernetes',
  defaultVersion: '0.1.0',
  metadata: (version) => ({
    labels: {
      version,
      name: 'On-prem Kubernetes',
      short: 'OPK',
      kind: 'orchestrator',
      'core-technology': 'kubernetes',
      'provides-kubernetes': KUBERNETES_VERSION,
    },
    requires: { strong: [[{ key: 'kind', operator: 'eq', values: ['infrastructure'] }]] },
    influences: [[{ key: 'kind', operator: 'eq', values: ['monitoring'] }]],
  }),
  config: configSchema,
  section: sectionSchema,
  touches: (_name, value) => typeof value === 'object' && value !== null && 'nodes' in value,
  init: (ctx) => ({ config: initialConfig(ctx) }),
  plan: (ctx) => ({ changes: planChanges(ctx, ctx.config) }),
  apply: (ctx) => {
    const result = desired(ctx, ctx.config);
    return { ...result, remote: renderRemote(result.section) };
  },
  audit: (ctx) => ({ drift: diffFiles(renderRemote(ctx.section), ctx.remote) }),
  commands: {
    destroy: (ctx) => ({
      section: { status: 'destroyed' as const },
      sections: claimNodes(ctx.state, ctx.module, []),
      remote: {},
    }),
  },
});
