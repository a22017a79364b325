import * as Y from 'yaml';
import { quote } from '../errors.js';
import type { PathSegment } from './problem.js';

/** Where a finding is: 1-based line and column. */
export interface Position {
  line: number;
  col: number;
}

export interface YamlProblem extends Position {
  message: string;
  hint?: string;
  severity: 'error' | 'warning';
}

/**
 * How scalars are read depends on where they are. YAML 1.2 reads `1.10` as the number 1.1, so
 * wherever the file means a string (versions, values, args, envs) the source text is kept;
 * labels keep numbers only when the number prints back as written (`5`, not `1.10`); quantities
 * (`resources: {memory: 268435456, pids: 256}`, a required file's `size`) are numbers as YAML reads them.
 */
export type Context =
  | 'root'
  | 'components'
  | 'component'
  | 'versions'
  | 'version'
  | 'labels'
  | 'label'
  | 'requires'
  | 'requirements-list'
  | 'requirement'
  | 'expression'
  | 'strings'
  | 'string'
  | 'commands'
  | 'command'
  | 'json'
  | 'resources'
  | 'bill'
  | 'bill-list'
  | 'bill-item'
  | 'quantity'
  | 'plain';

export function childContext(parent: Context, key: string | number): Context {
  switch (parent) {
    case 'root':
      return key === 'components' ? 'components' : 'plain';
    case 'components':
      return 'component';
    case 'component':
      return key === 'versions' ? 'versions' : 'plain';
    case 'versions':
      return 'version';
    case 'version':
      if (key === 'labels') return 'labels';
      if (key === 'requires') return 'requires';
      if (key === 'influences') return 'requirements-list';
      if (key === 'commands') return 'commands';
      if (key === 'resources') return 'resources';
      if (key === 'requirements') return 'bill';
      return 'plain';
    case 'resources':
      return 'quantity';
    case 'bill':
      return 'bill-list';
    case 'bill-list':
      return 'bill-item';
    case 'bill-item':
      return key === 'size' ? 'quantity' : 'plain';
    case 'labels':
      return 'label';
    case 'requires':
      return 'requirements-list';
    case 'requirements-list':
      return 'requirement';
    case 'requirement':
      return 'expression';
    case 'expression':
      return key === 'values' ? 'strings' : 'plain';
    case 'strings':
      return 'string';
    case 'commands':
      return 'command';
    case 'command':
      return key === 'envs' || key === 'args' ? 'strings' : 'plain';
    case 'json':
      return 'json';
    default:
      return 'plain';
  }
}

/** A scalar as the data for its context: see Context. Shared with the fast reader. */
export function scalarFor(context: Context, value: unknown, source: string | undefined): unknown {
  if (context === 'json' || context === 'quantity') return value;
  if (typeof value === 'number' || typeof value === 'bigint') {
    if (context === 'label' && typeof value === 'number' && String(value) === source) return value;
    return source ?? String(value);
  }
  if (typeof value === 'boolean' && context === 'string') return source ?? String(value);
  return value;
}

/** Whether a map in this context holds a logic expression, whose values are kept as JSON. */
export function isLogicExpression(context: Context, operator: unknown): boolean {
  return context === 'expression' && (operator === 'logic' || operator === 'Logic');
}

const MAX_ALIASES = 10_000;

export interface YamlSource {
  /** The document as plain data (maps are null-prototype objects); undefined if the YAML is broken. */
  data: unknown;
  problems: YamlProblem[];
  /** Position of the node at `path`, or of the deepest existing node on the way; `key` points at a map key. */
  locate(path: readonly PathSegment[], at?: 'key' | 'value'): Position;
  /** What the node at `path` is, as written ("the number 1.10", "a list"), for messages. */
  describe(path: readonly PathSegment[]): string;
}

function quoteMessage(text: string, offset: number, quote: string): number {
  let i = text.lastIndexOf(quote, offset - 1);
  while (quote === '"' && i > 0 && text[i - 1] === '\\') i = text.lastIndexOf(quote, i - 2);
  return i >= 0 ? i : offset;
}

/** Parses YAML text, keeping positions and the source text of scalars (see Context). */
export function readYaml(text: string): YamlSource {
  const lineCounter = new Y.LineCounter();
  const doc = Y.parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const pos = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, col };
  };
  const problems: YamlProblem[] = [];

  for (const error of doc.errors) {
    let offset = error.pos[0];
    let message = error.message.split('\n')[0]!;
    let hint: string | undefined;
    if (error.code === 'TAB_AS_INDENT') {
      message = 'a tab is used for indentation';
      hint = 'YAML indentation must be spaces; replace the tabs';
    } else if (error.code === 'DUPLICATE_KEY') {
      const key = /^[^:\n]*/.exec(text.slice(error.pos[0]))?.[0].trim() ?? '';
      message = `duplicate key ${quote(key)}`;
      hint = 'each key may appear once in a map; remove or merge the duplicates';
    } else if (error.code === 'MISSING_CHAR' && /quote/.test(message)) {
      const quote = message.includes('"') ? '"' : "'";
      offset = quoteMessage(text, error.pos[0], quote);
      message = `unclosed ${quote === '"' ? 'double' : 'single'} quote`;
      hint = `add the closing ${quote}`;
    } else if (error.code === 'MULTIPLE_DOCS') {
      message = 'the file contains more than one YAML document';
      hint = 'a repository file is one document; remove the "---" separators';
    }
    problems.push({ ...pos(offset), message, ...(hint ? { hint } : {}), severity: 'error' });
  }
  for (const warning of doc.warnings) {
    problems.push({ ...pos(warning.pos[0]), message: warning.message.split('\n')[0]!, severity: 'warning' });
  }

  const keyOf = (node: unknown): string | undefined => {
    if (!Y.isScalar(node)) return undefined;
    const source = (node as { source?: string }).source;
    if (typeof node.value === 'number' && source !== undefined) return source;
    return node.value === null || typeof node.value === 'object' ? undefined : String(node.value);
  };

  let aliases = 0;
  const convert = (node: unknown, context: Context): unknown => {
    if (Y.isAlias(node)) {
      if (++aliases > MAX_ALIASES) {
        problems.push({ ...pos(node.range?.[0] ?? 0), message: 'too many aliases', severity: 'error' });
        return null;
      }
      return convert(node.resolve(doc), context);
    }
    if (Y.isMap(node)) {
      const out: Record<string, unknown> = Object.create(null);
      for (const pair of node.items) {
        const key = keyOf(pair.key);
        if (key === undefined) {
          const range = (pair.key as { range?: [number, number, number] } | null)?.range;
          problems.push({
            ...pos(range?.[0] ?? node.range?.[0] ?? 0),
            message: 'map keys must be plain strings',
            severity: 'error',
          });
          continue;
        }
        out[key] = convert(pair.value, childContext(context, key));
      }
      // the values of a logic expression are json-logic rules: keep them as written
      if (isLogicExpression(context, out.operator)) {
        out.values = convert(node.get('values', true), 'json');
      }
      return out;
    }
    if (Y.isSeq(node)) return node.items.map((item, i) => convert(item, childContext(context, i)));
    if (Y.isScalar(node)) return scalarFor(context, node.value, (node as { source?: string }).source);
    return node === null || node === undefined ? null : undefined;
  };

  const broken = doc.errors.length > 0;
  const data = broken ? undefined : convert(doc.contents, 'root');

  const find = (path: readonly PathSegment[]): { node: unknown; key: unknown } => {
    let node: unknown = doc.contents;
    let key: unknown;
    for (const segment of path) {
      if (Y.isAlias(node)) node = node.resolve(doc);
      if (Y.isMap(node)) {
        const pair = node.items.find((item) => keyOf(item.key) === String(segment));
        if (!pair) break;
        key = pair.key;
        node = pair.value ?? pair.key;
      } else if (Y.isSeq(node) && typeof segment === 'number' && segment < node.items.length) {
        key = undefined;
        node = node.items[segment];
      } else {
        break;
      }
    }
    return { node, key };
  };
  const rangeStart = (node: unknown): number | undefined =>
    (node as { range?: [number, number, number] } | null)?.range?.[0];

  return {
    data,
    problems,
    locate(path, at = 'value') {
      const { node, key } = find(path);
      const offset = (at === 'key' ? rangeStart(key) : undefined) ?? rangeStart(node) ?? 0;
      return pos(offset);
    },
    describe(path) {
      const { node } = find(path);
      if (Y.isMap(node)) return 'a map';
      if (Y.isSeq(node)) return 'a list';
      if (Y.isScalar(node)) {
        const source = (node as { source?: string }).source ?? String(node.value);
        if (node.value === null) return 'nothing';
        if (typeof node.value === 'number') return `the number ${source}`;
        if (typeof node.value === 'boolean') return source;
        return quote(String(node.value));
      }
      return 'nothing';
    },
  };
}
