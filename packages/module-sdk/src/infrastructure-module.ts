import { stringify } from 'yaml';
import { z } from 'zod';
import { defineModule, type ModuleDefinition } from './define-module.js';
import { type Change, diffFiles, diffValues } from './diff-values.js';
import { ModuleError } from './errors.js';
import { statusSchema } from './status.js';

/** What tells one mocked infrastructure provider from another. */
export interface InfrastructureOptions {
  name: string;
  /** Labels besides `version`, `kind: infrastructure` and `provider`. */
  title: string;
  short: string;
  provider: string;
  /** Node N gets `${privatePrefix}N` and, with public IPs, `${publicPrefix}N`. */
  privatePrefix: string;
  publicPrefix: string;
  defaultSize: number;
}

const node = z.looseObject({ privateIP: z.string(), publicIP: z.string().optional(), usedBy: z.string() });
export type InfrastructureNodeRecord = z.infer<typeof node>;

export const infrastructureConfigSchema = z.strictObject({
  size: z.number().int().min(1).max(250),
  'provide-pubips': z.boolean(),
});
export type InfrastructureConfig = z.infer<typeof infrastructureConfigSchema>;

export const infrastructureSectionSchema = z.looseObject({
  status: statusSchema,
  size: z.number().int().optional(),
  'provide-pubips': z.boolean().optional(),
  nodes: z.array(node).optional(),
});
export type InfrastructureSection = z.infer<typeof infrastructureSectionSchema>;

/**
 * A mocked infrastructure module (azi, awsi): `size` VMs with private and, optionally, public
 * IPs in its section's `nodes`, and one file per VM in its mocked remote. Returns the module and
 * its pure parts, for unit tests.
 */
export function infrastructureModule(options: InfrastructureOptions) {
  const { name, privatePrefix, publicPrefix } = options;
  const defaultConfig: InfrastructureConfig = { size: options.defaultSize, 'provide-pubips': true };

  /** A re-init keeps what is applied; a first init proposes the default. */
  function initialConfig(section: InfrastructureSection | undefined): InfrastructureConfig {
    if (section?.status === 'applied' && section.size !== undefined) {
      return { size: section.size, 'provide-pubips': section['provide-pubips'] ?? true };
    }
    return defaultConfig;
  }

  /**
   * The section after apply. Existing nodes keep their IPs and `usedBy` (the state is the truth
   * about the machines); missing nodes get the prefixes' addresses with the first free N.
   */
  function desiredSection(config: InfrastructureConfig, section: InfrastructureSection | undefined) {
    const current = section?.nodes ?? [];
    const removed = current.slice(config.size).filter((n) => n.usedBy !== 'unused');
    if (removed.length > 0) {
      throw new ModuleError(
        `cannot shrink to ${config.size} node(s): ${removed.map((n) => `${n.privateIP} (used by ${n.usedBy})`).join(', ')} still in use`,
        { hint: 'remove or scale down the modules that use them first' },
      );
    }
    const taken = new Set(current.slice(0, config.size).map((n) => lastOctet(n.privateIP)));
    const nodes: InfrastructureNodeRecord[] = [];
    for (let i = 0; i < config.size; i++) {
      const existing = current[i];
      if (existing !== undefined) {
        nodes.push(withPublicIP(existing, config['provide-pubips'], lastOctet(existing.privateIP)));
        continue;
      }
      let n = i;
      while (taken.has(n)) n++;
      taken.add(n);
      nodes.push(withPublicIP({ privateIP: `${privatePrefix}${n}`, usedBy: 'unused' }, config['provide-pubips'], n));
    }
    return {
      status: 'applied' as const,
      size: config.size,
      'provide-pubips': config['provide-pubips'],
      nodes,
    } satisfies InfrastructureSection;
  }

  function withPublicIP(n: InfrastructureNodeRecord, provide: boolean, octet: number): InfrastructureNodeRecord {
    const { publicIP, usedBy, privateIP, ...rest } = n;
    return provide
      ? { privateIP, publicIP: publicIP ?? `${publicPrefix}${octet}`, usedBy, ...rest }
      : { privateIP, usedBy, ...rest };
  }

  /** The mocked cloud: one file per VM, as the state says it was created. */
  function renderRemote(section: InfrastructureSection | undefined): Record<string, string> {
    if (section?.status !== 'applied') return {};
    const files: Record<string, string> = {};
    (section.nodes ?? []).forEach((n, i) => {
      files[`vms/vm-${i}.yml`] = stringify({
        name: `${name}-vm-${i}`,
        privateIP: n.privateIP,
        publicIP: n.publicIP ?? null,
      });
    });
    return files;
  }

  function planChanges(
    config: InfrastructureConfig,
    section: InfrastructureSection | undefined,
    module: string,
  ): Change[] {
    return diffValues(section, desiredSection(config, section), module);
  }

  const definition: ModuleDefinition<InfrastructureConfig, InfrastructureSection> = defineModule({
    name,
    defaultVersion: '0.1.0',
    metadata: (version) => ({
      labels: {
        version,
        name: options.title,
        short: options.short,
        kind: 'infrastructure',
        provider: options.provider,
      },
    }),
    config: infrastructureConfigSchema,
    section: infrastructureSectionSchema,
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

  return { definition, defaultConfig, initialConfig, desiredSection, renderRemote, planChanges };
}

function lastOctet(ip: string): number {
  return Number(ip.split('.').pop());
}
