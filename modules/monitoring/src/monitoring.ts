import {
  type Change,
  defineModule,
  diffFiles,
  diffValues,
  RESERVED_STATE_KEY,
  type StateData,
  statusSchema,
} from '@e/module-sdk';
import { stringify } from 'yaml';
import { z } from 'zod';

/**
 * Bare Metal Monitoring (mocked Prometheus). It pulls metrics, so it must know every machine to
 * scrape: the nodes of infrastructure sections that applied modules use (`usedBy`). Modules that
 * influence monitoring (kafka) change those, so monitoring's plan shows new targets after them.
 */
export const NODE_EXPORTER_PORT = 9100;

export const configSchema = z.strictObject({
  scrapeInterval: z.string().regex(/^\d+[smh]$/, 'a duration like 30s, 1m or 1h'),
  retention: z.string().regex(/^\d+[hdwy]$/, 'a duration like 12h, 15d or 2w'),
});
export type Config = z.infer<typeof configSchema>;

export const sectionSchema = z.looseObject({
  status: statusSchema,
  scrapeInterval: z.string().optional(),
  retention: z.string().optional(),
  targets: z.record(z.string(), z.array(z.string())).optional(),
});
export type Section = z.infer<typeof sectionSchema>;

export const DEFAULT_CONFIG: Config = { scrapeInterval: '30s', retention: '15d' };

/** Scrape targets by module: `<privateIP>:9100` of every node used by an applied module, modules sorted. */
export function scrapeTargets(state: StateData): Record<string, string[]> {
  const byModule = new Map<string, string[]>();
  for (const [name, value] of Object.entries(state)) {
    if (name === RESERVED_STATE_KEY || !isAppliedWithNodes(value)) continue;
    for (const node of value.nodes) {
      const user = node.usedBy;
      if (typeof user !== 'string' || user === 'unused' || !isApplied(state[user])) continue;
      byModule.set(user, [...(byModule.get(user) ?? []), `${node.privateIP}:${NODE_EXPORTER_PORT}`]);
    }
  }
  return Object.fromEntries([...byModule].sort(([a], [b]) => a.localeCompare(b)));
}

export function desiredSection(config: Config, state: StateData): Section {
  return { status: 'applied', ...config, targets: scrapeTargets(state) };
}

export function planChanges(config: Config, state: StateData, section: Section | undefined, module: string): Change[] {
  return diffValues(section, desiredSection(config, state), module);
}

/** The mocked Prometheus server's configuration, as the state says it was written. */
export function renderRemote(section: Section | undefined): Record<string, string> {
  if (section?.status !== 'applied') return {};
  const prometheus = {
    global: { scrape_interval: section.scrapeInterval },
    scrape_configs: Object.entries(section.targets ?? {}).map(([job, targets]) => ({
      job_name: job,
      static_configs: [{ targets }],
    })),
  };
  return {
    'prometheus.yml': stringify(prometheus),
    'prometheus.args': `--storage.tsdb.retention.time=${section.retention}\n`,
  };
}

function isApplied(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as { status?: unknown }).status === 'applied';
}

function isAppliedWithNodes(value: unknown): value is { nodes: { privateIP: string; usedBy?: unknown }[] } {
  return isApplied(value) && Array.isArray((value as { nodes?: unknown }).nodes);
}

export const monitoring = defineModule({
  name: 'monitoring',
  defaultVersion: '0.1.0',
  metadata: (version) => ({
    labels: {
      version,
      name: 'Bare Metal Monitoring',
      short: 'BMM',
      kind: 'monitoring',
      'core-technology': 'prometheus',
      'provides-prometheus': '2.19.0',
    },
  }),
  config: configSchema,
  section: sectionSchema,
  init: (ctx) => ({
    config:
      ctx.section?.scrapeInterval !== undefined && ctx.section.retention !== undefined
        ? { scrapeInterval: ctx.section.scrapeInterval, retention: ctx.section.retention }
        : DEFAULT_CONFIG,
  }),
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
