import { type Change, defineModule, diffFiles, diffValues, statusSchema } from '@e/module-sdk';
import { z } from 'zod';

/** Bare Metal Logging (mocked Elasticsearch): the logs storage other modules ship to. */
export const configSchema = z.strictObject({
  retentionDays: z.number().int().min(1),
  replicas: z.number().int().min(0),
});
export type Config = z.infer<typeof configSchema>;

export const sectionSchema = z.looseObject({
  status: statusSchema,
  retentionDays: z.number().int().optional(),
  replicas: z.number().int().optional(),
  endpoint: z.string().optional(),
});
export type Section = z.infer<typeof sectionSchema>;

export const DEFAULT_CONFIG: Config = { retentionDays: 7, replicas: 1 };
export const ENDPOINT = 'http://logging.e.local:9200';

export function desiredSection(config: Config): Section {
  return { status: 'applied', ...config, endpoint: ENDPOINT };
}

export function planChanges(config: Config, section: Section | undefined, module: string): Change[] {
  return diffValues(section, desiredSection(config), module);
}

/** The mocked storage's settings, as the state says they were written. */
export function renderRemote(section: Section | undefined): Record<string, string> {
  if (section?.status !== 'applied') return {};
  return {
    'elasticsearch.yml': [
      'cluster.name: e-logging',
      `index.number_of_replicas: ${section.replicas}`,
      `# delete indices older than ${section.retentionDays} days`,
      `index.lifecycle.retention_days: ${section.retentionDays}`,
      '',
    ].join('\n'),
  };
}

export const logging = defineModule({
  name: 'logging',
  defaultVersion: '0.1.0',
  metadata: (version) => ({
    labels: {
      version,
      name: 'Bare Metal Logging',
      short: 'BML',
      kind: 'logs-storage',
      'core-technology': 'elasticsearch',
    },
  }),
  config: configSchema,
  section: sectionSchema,
  init: (ctx) => ({
    config:
      ctx.section?.retentionDays !== undefined && ctx.section.replicas !== undefined
        ? { retentionDays: ctx.section.retentionDays, replicas: ctx.section.replicas }
        : DEFAULT_CONFIG,
  }),
  plan: (ctx) => ({ changes: planChanges(ctx.config, ctx.section, ctx.module) }),
  apply: (ctx) => {
    const section = desiredSection(ctx.config);
    return { section, remote: renderRemote(section) };
  },
  audit: (ctx) => ({ drift: diffFiles(renderRemote(ctx.section), ctx.remote) }),
  commands: {
    destroy: () => ({ section: { status: 'destroyed' as const }, remote: {} }),
  },
});
