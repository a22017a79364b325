import { resolve } from 'node:path';
import { loadRepository } from '@e/core/repository';
import { type DependencyGraph, dependencyGraph, type GraphEdgeKind, type GraphNode } from '@e/core/resolve';
import { formatRequirement } from '@e/core/selector';
import { loadState, readInstalled } from '@e/core/state';
import type { GlobalOptions } from '../cli.js';
import { emit } from '../output.js';

export interface GraphOptions extends GlobalOptions {
  all: boolean;
  format: 'mermaid' | 'dot' | 'svg';
}

/** e graph: strong edges solid, weak dashed, influences dotted (Mermaid), or DOT, or DOT drawn as SVG. */
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
  // drawn only for text: with -o json|yaml the data is the result, and Graphviz is not loaded
  const render = { mermaid: renderMermaid, dot: renderDot, svg: renderSvg }[options.format];
  const text = options.output === 'text' ? await render(graph) : '';
  emit(options.output, data, () => text);
}

function nodeLabel(node: GraphNode): string {
  return `${node.module} ${node.version}${node.installed ? ` (${nodeState(node)})` : ''}`;
}

/** `applied`, `applied, needs plan`, `failed`, ... or `not installed`. */
function nodeState(node: GraphNode): string {
  if (!node.installed) return 'not installed';
  return [node.status ?? 'installed', ...(node.needsPlan ? ['needs plan'] : []), ...(node.drift ? ['drift'] : [])].join(
    ', ',
  );
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

/** How a node of one installed state is drawn; `class` ends up on the node's `<g>` in the SVG. */
interface NodeLook {
  class: string;
  legend: string;
  fill: string;
  border: string;
  font?: string;
  dashed?: boolean;
  /** A flag the operator has to act on. */
  thick?: boolean;
}

const GREEN = { fill: '#e3f4e1', border: '#2e7d32' };
const RED = { fill: '#fde2e2', border: '#c62828' };
const ORANGE = '#ef6c00';

function nodeLook(node: GraphNode): NodeLook {
  if (!node.installed)
    return {
      class: 'available',
      legend: 'not installed',
      fill: '#ffffff',
      border: '#9e9e9e',
      font: '#616161',
      dashed: true,
    };
  // A flag outranks the status: it is what the operator has to act on.
  if (node.drift) return { class: 'drift', legend: 'drift (audit)', ...RED, thick: true };
  if (node.needsPlan) return { class: 'needs-plan', legend: 'needs plan', ...GREEN, border: ORANGE, thick: true };
  if (node.status === 'applied') return { class: 'applied', legend: 'applied', ...GREEN };
  if (node.status === 'failed') return { class: 'failed', legend: 'failed', ...RED };
  if (node.status === 'destroyed')
    return { class: 'destroyed', legend: 'destroyed', fill: '#eeeeee', border: '#757575' };
  return { class: 'in-progress', legend: 'installed, not applied', fill: '#fff4d6', border: '#b26a00' };
}

function nodeAttributes(look: NodeLook): string {
  return [
    `class=${quote(look.class)}`,
    `style=${look.dashed ? '"rounded,dashed"' : '"rounded,filled"'}`,
    `fillcolor=${quote(look.fill)}`,
    `color=${quote(look.border)}`,
    ...(look.font === undefined ? [] : [`fontcolor=${quote(look.font)}`]),
    ...(look.thick ? ['penwidth=2'] : []),
  ].join(', ');
}

const EDGE: Record<GraphEdgeKind, { legend: string; attributes: string }> = {
  strong: { legend: 'requires', attributes: 'style=solid, color="#212121"' },
  weak: { legend: 'optional (weak)', attributes: 'style=dashed, color="#757575", fontcolor="#616161"' },
  influences: {
    legend: 'influences',
    attributes: `style=dotted, color="${ORANGE}", fontcolor="${ORANGE}", penwidth=2`,
  },
};

// Graphviz measures text with the widths of the fonts it knows (a list of names falls back to
// Times); in SVG it names Helvetica with sans-serif as fallback.
const FONT = 'fontname="Helvetica"';
/** A DOT string; several lines are joined with DOT's centred line break `\\n`. */
const quote = (...lines: string[]) =>
  `"${lines.map((line) => line.replace(/\\/g, '\\\\').replace(/"/g, '\\"')).join('\\n')}"`;
const html = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * Graphviz DOT: a box per module (name, version and installed state; filled by state, dashed when
 * not installed), an edge per requirement (solid strong, dashed weak, dotted orange influences),
 * and a legend of the states and kinds the graph shows.
 */
export function renderDot(graph: DependencyGraph): string {
  const lines = [
    'digraph modules {',
    `  graph [rankdir=LR, ${FONT}, fontsize=10, nodesep=0.3, ranksep=0.6];`,
    // a wide margin, so that a wider sans-serif (DejaVu Sans, where Helvetica is missing) still fits
    `  node [shape=box, ${FONT}, fontsize=11, margin="0.2,0.06"];`,
    `  edge [${FONT}, fontsize=9];`,
  ];
  const looks = new Map<string, NodeLook>();
  for (const node of graph.nodes) {
    const look = nodeLook(node);
    looks.set(look.class, look);
    const label = quote(node.module, `${node.version} · ${nodeState(node)}`);
    lines.push(`  ${quote(node.module)} [label=${label}, ${nodeAttributes(look)}];`);
  }
  const kinds = new Set<GraphEdgeKind>();
  for (const e of graph.edges) {
    kinds.add(e.kind);
    const label = e.kind === 'influences' ? 'influences' : formatRequirement(e.requirement);
    lines.push(
      `  ${quote(e.from)} -> ${quote(e.to)} [class=${e.kind}, ${EDGE[e.kind].attributes}, label=${quote(label)}];`,
    );
  }
  if (graph.nodes.length > 0) lines.push(...legend([...looks.values()], [...kinds]));
  lines.push('}');
  return lines.join('\n');
}

/**
 * A boxed key: a sample box per state the graph shows, and a line per kind of edge it shows, drawn
 * between two tables' cells (ports) so the lines come out straight.
 */
function legend(looks: NodeLook[], kinds: GraphEdgeKind[]): string[] {
  const table = (rows: string[]) =>
    `<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="4" CELLPADDING="2">${rows.map((row) => `<TR>${row}</TR>`).join('')}</TABLE>>`;
  const sample = (look: NodeLook) =>
    `<TD><TABLE STYLE="${look.dashed ? 'rounded,dashed' : 'rounded'}" BORDER="${look.thick ? 2 : 1}" COLOR="${look.border}" BGCOLOR="${look.fill}" CELLBORDER="0" CELLPADDING="4"><TR><TD><FONT COLOR="${look.font ?? '#000000'}">&nbsp;${html(look.legend)}&nbsp;</FONT></TD></TR></TABLE></TD>`;
  const lines = [
    '  subgraph cluster_legend {',
    `    label="legend"; fontcolor="#616161"; color="#bdbdbd"; style=rounded; class="legend";`,
    `    node [shape=plaintext, fontsize=9, margin=0, class="legend"];`,
    `    "legend:states" [label=${table([looks.map(sample).join('')])}];`,
  ];
  if (kinds.length > 0) {
    const cells = (text: (kind: GraphEdgeKind) => string) =>
      kinds.map((kind) => `<TD PORT="${kind}" ALIGN="RIGHT">${text(kind)}</TD>`);
    lines.push(`    "legend:kinds" [label=${table(cells((kind) => `${html(EDGE[kind].legend)}&nbsp;&nbsp;`))}];`);
    lines.push(`    "legend:ends" [label=${table(cells(() => ' '))}];`);
    for (const kind of kinds)
      lines.push(
        `    "legend:kinds":${kind}:e -> "legend:ends":${kind}:w [class="legend ${kind}", ${EDGE[kind].attributes}];`,
      );
    // the samples go under the lines' ends: beside the names, the row would stretch the lines
    lines.push(
      '    "legend:kinds" -> "legend:states" [style=invis];',
      '    { rank=same; "legend:ends"; "legend:states"; }',
    );
  }
  lines.push('  }');
  return lines;
}

/**
 * The DOT drawn as SVG by Graphviz compiled to WebAssembly (@viz-js/viz, about 1 MB of
 * JavaScript), loaded only here so that no other command pays for it.
 */
export async function renderSvg(graph: DependencyGraph): Promise<string> {
  const { instance } = await import('@viz-js/viz');
  return (await instance()).renderString(renderDot(graph), { format: 'svg' });
}
