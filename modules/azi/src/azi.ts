import { type Change, defineModule, diffFiles, diffValues, ModuleError, statusSchema } from '@e/module-sdk';
import { stringify } from 'yaml';
import { z } from 'zod';

/** Azure infrastructure (mocked): `size` VMs with private and, optionally, public IPs. */
const PRIVATE_PREFIX = '10.0.0.';
const PUBLIC_PREFIX = '213.1.1.';

const node = z.looseObject({ privateIP: z.string(), publicIP: z.string().optional(), usedBy: z.string() });
export type Node = z.infer<typeof node>;

export const configSchema = z.strictObject({
  size: z.number().int().min(1).max(250),
  'provide-pubips': z.boolean(),
});
export type Config = z.infer<typeof configSchema>;

export const sectionSchema = z.looseObject({
  status: statusSchema,
  size: z.number().int().optional(),
  'provide-pubips': z.boolean().optional(),
  nodes: z.array(node).optional(),
});
export type Section = z.infer<typeof sectionSchema>;

export const DEFAULT_CONFIG: Config = { size: 5, 'provide-pubips': true };

/** A re-init keeps what is applied; a first init proposes the default. */
export function initialConfig(section: Section | undefined): Config {
  if (section?.status === 'applied' && section.size !== undefined) {
    return { size: section.size, 'provide-pubips': section['provide-pubips'] ?? true };
  }
  return DEFAULT_CONFIG;
}

/**
 * The section after apply. Existing nodes keep their IPs and `usedBy` (the state is the truth
 * about the machines); missing nodes get 10.0.0.N / 213.1.1.N with the first free N.
 */
export function desiredSection(config: Config, section: Section | undefined): Section {
  const current = section?.nodes ?? [];
  const removed = current.slice(config.size).filter((n) => n.usedBy !== 'unused');
  if (removed.length > 0) {
    throw new ModuleError(
      `cannot shrink to ${config.size} node(s): ${removed.map((n) => `${n.privateIP} (used by ${n.usedBy})`).join(', ')} still in use`,
      { hint: 'remove or scale down the modules that use them first' },
    );
  }
  const taken = new Set(current.slice(0, config.size).map((n) => lastOctet(n.privateIP)));
  const nodes: Node[] = [];
  for (let i = 0; i < config.size; i++) {
    const existing = current[i];
    if (existing !== undefined) {
      nodes.push(withPublicIP(existing, config['provide-pubips'], lastOctet(existing.privateIP)));
      continue;
    }
    let n = i;
    while (taken.has(n)) n++;
    taken.add(n);
    nodes.push(withPublicIP({ privateIP: `${PRIVATE_PREFIX}${n}`, usedBy: 'unused' }, config['provide-pubips'], n));
  }
  return { status: 'applied', size: config.size, 'provide-pubips': config['provide-pubips'], nodes };
}

function withPublicIP(node: Node, provide: boolean, n: number): Node {
  const { publicIP, usedBy, privateIP, ...rest } = node;
  return provide
    ? { privateIP, publicIP: publicIP ?? `${PUBLIC_PREFIX}${n}`, usedBy, ...rest }
    : { privateIP, usedBy, ...rest };
}

function lastOctet(ip: string): number {
  return Number(ip.split('.').pop());
}

/** The mocked cloud: one file per VM, as the state says it was created. */
export function renderRemote(section: Section | undefined): Record<string, string> {
  if (section?.status !== 'applied') return {};
  const files: Record<string, string> = {};
  (section.nodes ?? []).forEach((n, i) => {
    files[`vms/vm-${i}.yml`] = stringify({ name: `azi-vm-${i}`, privateIP: n.privateIP, publicIP: n.publicIP ?? null });
  });
  return files;
}

export function planChanges(config: Config, section: Section | undefined, module: string): Change[] {
  return diffValues(section, desiredSection(config, section), module);
}

export const azi = defineModule({
  name: 'azi',
  defaultVersion: '0.1.0',
  metadata: (version) => ({
    labels: { version, name: 'Azure Infrastructure', short: 'AZI', kind: 'infrastructure', provider: 'azure' },
  }),
  config: configSchema,
  section: sectionSchema,
  init: (ctx) => ({ config: initialConfig(ctx.section) }),
  plan: (ctx) => ({ changes: planChanges(ctx.config, ctx.section, ctx.module) }),
  apply: (ctx) => {
    const section = desiredSection(ctx.config, ctx.section);
    return { section, remote: renderRemote(section) };
  },
  audit: (ctx) => ({ drift: diffFiles(renderRemote(ctx.section), ctx.remote) }),
  commands: {
    destroy: (ctx) => {
      const used = (ctx.section?.nodes ?? []).filter((n) => n.usedBy !== 'unused');
      if (used.length > 0 && !ctx.args.includes('--force')) {
        throw new ModuleError(`${used.length} node(s) are still used (${used.map((n) => n.usedBy).join(', ')})`, {
          hint: 'destroy those modules first, or pass --force',
        });
      }
      return { section: { status: 'destroyed' as const, nodes: [] }, remote: {} };
    },
  },
});
