import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DependencyGraph, GraphNode } from '@e/core/resolve';
import { parseSelector } from '@e/core/selector';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderDot } from './graph.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const bin = join(root, 'packages/cli/bin/e.js');
/** The shared directory drawn in docs/graph.svg (azi and kafka applied, monitoring needs a plan). */
const shared = join(root, 'packages/cli/src/commands/fixtures/graph');

const requirement = parseSelector('kind=infrastructure');

describe('renderDot', () => {
  it.each<[string, Partial<GraphNode>, string, string]>([
    ['not installed', { installed: false }, 'available', '"hello\\n0.1.0 · not installed"'],
    ['applied', { installed: true, status: 'applied' }, 'applied', '"hello\\n0.1.0 · applied"'],
    ['needs a plan', { installed: true, status: 'applied', needsPlan: true }, 'needs-plan', 'applied, needs plan"'],
    [
      'drift outranks needs plan',
      { installed: true, status: 'applied', needsPlan: true, drift: true },
      'drift',
      'drift"',
    ],
    ['failed', { installed: true, status: 'failed' }, 'failed', '"hello\\n0.1.0 · failed"'],
    ['initialized', { installed: true, status: 'initialized' }, 'in-progress', '"hello\\n0.1.0 · initialized"'],
    ['destroyed', { installed: true, status: 'destroyed' }, 'destroyed', '"hello\\n0.1.0 · destroyed"'],
  ])('a node that is %s', (_, state, className, label) => {
    const dot = renderDot({ nodes: [{ module: 'hello', version: '0.1.0', installed: false, ...state }], edges: [] });
    const line = dot.split('\n').find((l) => l.startsWith('  "hello" ')) ?? '';
    expect(line).toContain(`class="${className}"`);
    expect(line).toContain(`${label},`);
    // the legend shows this state's sample, and no kind of edge the graph does not have
    expect(dot).toContain('subgraph cluster_legend');
    expect(dot).not.toContain('"legend:kinds"');
  });

  it('styles each kind of edge, labels requirements with their selector, and keys them in the legend', () => {
    const node = (module: string): GraphNode => ({ module, version: '1.0.0', installed: false });
    const graph: DependencyGraph = {
      nodes: [node('a'), node('b')],
      edges: [
        { from: 'a', to: 'b', kind: 'strong', requirement },
        { from: 'a', to: 'b', kind: 'influences', requirement },
      ],
    };
    const dot = renderDot(graph);
    expect(dot).toContain('"a" -> "b" [class=strong, style=solid, color="#212121", label="kind=infrastructure"];');
    expect(dot).toMatch(/"a" -> "b" \[class=influences, style=dotted, .*label="influences"\];/);
    expect(dot).toContain('"legend:kinds":strong:e -> "legend:ends":strong:w [class="legend strong"');
    expect(dot).toContain('"legend:kinds":influences:e -> "legend:ends":influences:w');
    expect(dot).not.toContain('"legend:kinds":weak');
  });

  it('quotes names and labels, and draws no legend for an empty graph', () => {
    const dot = renderDot({ nodes: [{ module: 'a"b\\c', version: '1', installed: false }], edges: [] });
    expect(dot).toContain('"a\\"b\\\\c" [label="a\\"b\\\\c\\n1 · not installed"');
    expect(renderDot({ nodes: [], edges: [] })).not.toContain('legend');
  });
});

function e(...args: string[]) {
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const fromXml = (text: string) =>
  text
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');

/**
 * What an SVG of Graphviz's shows, without coordinates (which move with the Graphviz version):
 * `node|edge|cluster <classes>: <title>` for each group, sorted, and the texts drawn.
 */
function svgShape(svg: string): { groups: string[]; texts: string[] } {
  const groups = [
    ...svg.matchAll(/<g id="[^"]*" class="(node|edge|cluster)( [^"]*)?">\s*<title>([^<]*)<\/title>/g),
  ].map((m) => `${m[1]}${fromXml(m[2] ?? '')}: ${fromXml(m[3] ?? '')}`);
  const texts = [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)]
    .map((m) => fromXml(m[1] ?? '').trim())
    .filter((text) => text !== '');
  return { groups: groups.sort(), texts: texts.sort() };
}

/** Problems that keep `xml` from being well-formed XML with one root element (empty when none). */
function xmlProblems(xml: string): string[] {
  const body = xml
    .replace(/^<\?xml[^>]*\?>/, '')
    .replace(/<!DOCTYPE[^>[]*>/, '')
    .replace(/<!--[\s\S]*?-->/g, '');
  const problems: string[] = [];
  const open: string[] = [];
  let roots = 0;
  let at = 0;
  for (const m of body.matchAll(/<(\/?)([A-Za-z_][\w:.-]*)((?:\s+[\w:.-]+\s*=\s*"[^"<]*")*)\s*(\/?)>/g)) {
    const text = body.slice(at, m.index);
    if (/[<>]|&(?!#\d+;|#x[\da-fA-F]+;|[a-zA-Z]+;)/.test(text)) problems.push(`bad text before ${m[0]}: ${text}`);
    if (open.length === 0 && text.trim() !== '') problems.push(`text outside the root: ${text.trim()}`);
    at = m.index + m[0].length;
    const [, closing, name = '', , selfClosing] = m;
    if (closing) {
      const expected = open.pop();
      if (expected !== name) problems.push(`</${name}> closes <${expected ?? 'nothing'}>`);
    } else {
      if (open.length === 0) roots++;
      if (!selfClosing) open.push(name);
    }
  }
  if (body.slice(at).trim() !== '') problems.push(`left over: ${body.slice(at).trim().slice(0, 80)}`);
  if (open.length > 0) problems.push(`not closed: ${open.join(', ')}`);
  if (roots !== 1) problems.push(`${roots} root elements`);
  return problems;
}

describe('xmlProblems (the check below)', () => {
  it.each([
    ['<?xml version="1.0"?>\n<!-- c -->\n<svg a="1"><g><title>a&#45;&gt;b</title></g><path d="M0"/></svg>\n', []],
    ['<svg><g></svg>', ['</svg> closes <g>', 'not closed: svg']],
    ['<svg><text>a & b</text></svg>', ['bad text before </text>: a & b']],
    ['<svg/><svg/>', ['2 root elements']],
    [
      '<svg x=1></svg>',
      [
        'bad text before </svg>: <svg x=1>',
        'text outside the root: <svg x=1>',
        '</svg> closes <nothing>',
        '0 root elements',
      ],
    ],
  ])('%s', (xml, want) => expect(xmlProblems(xml)).toEqual(want));
});

// each case starts the built CLI, a few times: a loaded machine needs more than the default 5 s
describe('e graph --format svg (built CLI: npx tsc -b first)', { timeout: 60_000 }, () => {
  const modules = (
    parse(readFileSync(join(root, 'repository.yml'), 'utf8')) as { components: { name: string }[] }
  ).components
    .map((c) => c.name)
    .sort();

  it("draws the example repository's graph: every module with its state, every edge with its kind", () => {
    const result = e('-r', 'repository.yml', '-s', shared, 'graph', '--all', '--format', 'svg');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^<\?xml[\s\S]*<svg [\s\S]*<\/svg>\n$/);
    expect(xmlProblems(result.stdout)).toEqual([]);
    const { groups, texts } = svgShape(result.stdout);
    const nodes = groups.filter((g) => g.startsWith('node ') && !g.startsWith('node legend'));
    expect(nodes.map((g) => g.replace(/^.*: /, '')).sort()).toEqual(modules);
    expect(groups).toEqual([
      'cluster legend: cluster_legend',
      'edge influences: kafka->monitoring',
      'edge influences: kubernetes->monitoring',
      'edge legend influences: legend:kinds:e->legend:ends:w',
      'edge legend strong: legend:kinds:e->legend:ends:w',
      'edge legend weak: legend:kinds:e->legend:ends:w',
      'edge strong: kafka->awsi',
      'edge strong: kafka->azi',
      'edge strong: kubernetes->awsi',
      'edge strong: kubernetes->azi',
      'edge strong: postgresql->rook',
      'edge strong: rook->kubernetes',
      'edge weak: kafka->logging',
      'edge weak: kafka->monitoring',
      'node applied: azi',
      'node applied: kafka',
      'node available: awsi',
      'node available: downloader',
      'node available: hello',
      'node available: kubernetes',
      'node available: logging',
      'node available: postgresql',
      'node available: rook',
      'node legend: legend:ends',
      'node legend: legend:kinds',
      'node legend: legend:states',
      'node needs-plan: monitoring',
    ]);
    for (const text of ['0.1.0 · applied', '0.1.0 · applied, needs plan', '0.1.0 · not installed'])
      expect(texts).toContain(text);
    for (const text of ['kind=persistence', 'influences', 'kind=logs-storage', 'requires', 'optional (weak)'])
      expect(texts).toContain(text);
  });

  it('docs/graph.svg is that picture (regenerate it with the command in docs/dependencies.md)', () => {
    const fresh = e('-r', 'repository.yml', '-s', shared, 'graph', '--all', '--format', 'svg');
    expect(svgShape(readFileSync(join(root, 'docs/graph.svg'), 'utf8'))).toEqual(svgShape(fresh.stdout));
  });

  it('loads Graphviz only for svg: the other formats and --help start without it', () => {
    // NODE_DEBUG=esm,module names every module Node loads, ES module or CommonJS (from the
    // bundle, Graphviz is required from node_modules/@viz-js/viz)
    const loaded = (...args: string[]) => {
      const result = spawnSync(process.execPath, [bin, '-r', 'repository.yml', ...args], {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, NODE_DEBUG: 'esm,module' },
        maxBuffer: 64 * 1024 * 1024,
      });
      return /@viz-js\/viz\/\S*\.c?js/.test(result.stderr);
    };
    expect(loaded('graph', '--all', '--format', 'svg')).toBe(true);
    expect(loaded('graph', '--all')).toBe(false);
    expect(loaded('graph', '--all', '--format', 'dot')).toBe(false);
    expect(loaded('--help')).toBe(false);
  });
});
