import { resolve } from 'node:path';
import { loadRepository } from '@e/core/repository';
import { type DependencyGraph, dependencyGraph } from '@e/core/resolve';
import { formatRequirement } from '@e/core/selector';
import { loadState, readInstalled } from '@e/core/state';
import type { GlobalOptions } from '../cli.js';
import { emit } from '../output.js';

export interface GraphOptions extends GlobalOptions {
  all: boolean;
  format: 'mermaid' | 'dot';
}

/** e graph: strong edges solid, weak dashed, influences dotted (Mermaid) or coloured (DOT). */
export async function graphCommand(options: GraphOptions): Promise<void> {
  const repository = await loadRepository(options.repository);
  const installed = readInstalled(await loadState(resolve(options.shared)));
  const graph = dependencyGraph(repository, installed, { all: options.all });
  const data = {
    nodes: graph.nodes,
    edges: graph.edges.map((e) => ({
      from: e.from,
      to: e.to,
      kind: e.kind,
      selector: formatRequirement(e.requirement),
    })),
  };
  emit(options.output, data, () => (options.format === 'dot' ? renderDot(graph) : renderMermaid(graph)));
}

function nodeLabel(node: DependencyGraph['nodes'][number]): string {
  return `${node.module} ${node.version}${node.installed ? ` (${node.status})` : ''}`;
}

function id(module: string): string {
  return `m_${module.replace(/-/g, '_')}`;
}

export function renderMermaid(graph: DependencyGraph): string {
  const lines = ['flowchart LR'];
  for (const node of graph.nodes) lines.push(`  ${id(node.module)}["${nodeLabel(node)}"]`);
  for (const e of graph.edges) {
    const label = formatRequirement(e.requirement).replace(/"/g, "'");
    if (e.kind === 'strong') lines.push(`  ${id(e.from)} -->|"requires: ${label}"| ${id(e.to)}`);
    else if (e.kind === 'weak') lines.push(`  ${id(e.from)} -.->|"optional: ${label}"| ${id(e.to)}`);
    else lines.push(`  ${id(e.from)} ==>|"influences"| ${id(e.to)}`);
  }
  const missing = graph.nodes.filter((n) => !n.installed).map((n) => id(n.module));
  if (missing.length > 0) {
    lines.push('  classDef available stroke-dasharray: 4 4,color:#777');
    lines.push(`  class ${missing.join(',')} available`);
  }
  return lines.join('\n');
}

export function renderDot(graph: DependencyGraph): string {
  const quote = (text: string) => `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  const lines = ['digraph modules {', '  rankdir=LR;', '  node [shape=box];'];
  for (const node of graph.nodes) {
    lines.push(`  ${quote(node.module)} [label=${quote(nodeLabel(node))}${node.installed ? '' : ', style=dashed'}];`);
  }
  const style = { strong: 'style=solid', weak: 'style=dashed', influences: 'style=dotted, color=orange' } as const;
  for (const e of graph.edges) {
    const label = e.kind === 'influences' ? 'influences' : formatRequirement(e.requirement);
    lines.push(`  ${quote(e.from)} -> ${quote(e.to)} [${style[e.kind]}, label=${quote(label)}];`);
  }
  lines.push('}');
  return lines.join('\n');
}
