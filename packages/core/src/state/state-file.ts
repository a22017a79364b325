import { isDeepStrictEqual } from 'node:util';
import { Document, isMap, isScalar, LineCounter, type Pair, parseDocument, type YAMLMap } from 'yaml';
import { quote } from '../errors.js';
import { RESERVED_STATE_KEY } from '../repository/model.js';
import { findTooDeep, MAX_NESTING } from '../repository/yaml-nesting.js';

/** The state as plain data: one mapping whose top-level keys are sections. */
export type StateData = Record<string, unknown>;

export type StateParse =
  | { ok: true; doc: Document; data: StateData }
  /** `problem` starts with `line:col` when the position is known. */
  | { ok: false; reason: 'syntax' | 'not-a-mapping'; problem: string };

const RENDER = { lineWidth: 0 } as const;

/**
 * Parses state.yml text. Empty text (or a document holding only comments or `null`) is the empty
 * state; anything but a mapping is a problem, reported with its position.
 */
export function parseStateText(text: string): StateParse {
  const deep = findTooDeep(text);
  if (deep !== undefined) {
    return {
      ok: false,
      reason: 'syntax',
      problem: `${deep.line}:${deep.col}: collections nest deeper than ${MAX_NESTING} levels here, more than e reads`,
    };
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  const [error] = doc.errors;
  if (error) {
    const pos = error.linePos?.[0];
    const message = (error.message.split('\n')[0] ?? '')
      .replace(/ at line \d+, column \d+:?$/, '')
      .replace(/; please use YAML\.parseAllDocuments\(\)/, ' (the state must be one document)');
    return { ok: false, reason: 'syntax', problem: pos ? `${pos.line}:${pos.col}: ${message}` : message };
  }
  const contents = doc.contents;
  if (contents !== null && !isMap(contents) && !(isScalar(contents) && contents.value === null)) {
    const { line, col } = lineCounter.linePos(contents.range?.[0] ?? 0);
    const kind = isScalar(contents) ? `the scalar ${quote(String(contents.value))}` : 'a sequence';
    return {
      ok: false,
      reason: 'not-a-mapping',
      problem: `${line}:${col}: the state must be a mapping of sections, not ${kind}`,
    };
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 1000 });
  } catch (cause) {
    return { ok: false, reason: 'syntax', problem: (cause as Error).message };
  }
  if (data === null || data === undefined) data = {};
  return { ok: true, doc, data: data as StateData };
}

/**
 * Renders an edited state document. When only e's reserved section changed, every byte outside
 * it is kept exactly as in `original` (spacing, comments, quoting, flow style); otherwise the whole
 * document is re-rendered, which keeps comments and key order but may normalise formatting.
 */
export function renderStateText(original: string, doc: Document): string {
  const spliced = spliceReservedSection(original, doc);
  if (spliced !== undefined) {
    const check = parseStateText(spliced);
    if (check.ok && isDeepStrictEqual(check.data, doc.toJS() ?? {})) return spliced;
  }
  return doc.toString(RENDER);
}

function reservedPair(doc: Document): Pair | undefined {
  if (!isMap(doc.contents)) return undefined;
  // keys added through the API (doc.set) are plain values, parsed ones are Scalar nodes
  return (doc.contents as YAMLMap).items.find(
    (pair) => (isScalar(pair.key) ? pair.key.value : pair.key) === RESERVED_STATE_KEY,
  );
}

/** The text of `original` with its reserved section replaced by the one in `doc`. */
function spliceReservedSection(original: string, doc: Document): string | undefined {
  // a document parsed from `original` still knows where its e: section was (editing it keeps the
  // old ranges): no second parse of a large state
  const own = reservedPair(doc);
  const known = own !== undefined && rangeOf(own.key) !== undefined && rangeOf(own.value) !== undefined;
  const before = known && isMap(doc.contents) && !doc.contents.flow ? doc : parseDocument(original);
  if (before.errors.length > 0) return undefined;
  if (before.contents !== null && !(isMap(before.contents) && !before.contents.flow)) {
    return isScalar(before.contents) && before.contents.value === null ? appendSection(original, doc) : undefined;
  }
  const oldPair = reservedPair(before);
  if (oldPair === undefined) return appendSection(original, doc);
  const start = (oldPair.key as { range?: [number, number, number] }).range?.[0];
  const valueRange = (oldPair.value as { range?: [number, number, number] } | null)?.range;
  const end = valueRange?.[2] ?? (oldPair.key as { range?: [number, number, number] }).range?.[2];
  if (start === undefined || end === undefined) return undefined;
  const oldText = original.slice(start, end);
  const trailing = /\s*$/.exec(oldText)?.[0] ?? '';
  const section = renderReservedSection(doc);
  const replacement = section === '' ? '' : `${section}${trailing || '\n'}`;
  return `${original.slice(0, start)}${replacement}${original.slice(end)}`;
}

function rangeOf(node: unknown): [number, number, number] | undefined {
  return (node as { range?: [number, number, number] } | null)?.range;
}

function appendSection(original: string, doc: Document): string {
  const section = renderReservedSection(doc);
  if (section === '') return original;
  const sep = original === '' || original.endsWith('\n') ? '' : '\n';
  return `${original}${sep}${section}\n`;
}

/** Just the reserved `e:` pair of `doc`, rendered without its leading comments, no final newline. */
function renderReservedSection(doc: Document): string {
  const pair = reservedPair(doc);
  if (pair === undefined) return '';
  const single = new Document({}) as Document;
  const map = single.contents as YAMLMap;
  const copy = pair.clone(doc.schema);
  if (copy.key && typeof copy.key === 'object') {
    const key = copy.key as { commentBefore?: string | null; spaceBefore?: boolean };
    key.commentBefore = null;
    key.spaceBefore = false;
  }
  map.items.push(copy);
  return single.toString(RENDER).trimEnd();
}
