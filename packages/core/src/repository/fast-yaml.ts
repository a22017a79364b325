import { type Context, childContext, isLogicExpression, scalarFor } from './yaml-source.js';

/**
 * A fast reader for the plain subset of YAML that repository files are written in: block maps and
 * lists (including `- - key: v`), one-line flow collections, one-line plain and quoted scalars,
 * comments. It has no positions and no error messages: on anything else (anchors, tags, block
 * scalars, multi-line scalars, escapes, duplicate keys, tabs, json-logic rules, bad syntax) it
 * gives up, and the caller reads the file with the `yaml` library, which knows every corner of
 * YAML and where each node is, but is ~10 times slower on large files. Both give the same data
 * (fast-yaml.test.ts checks it).
 */

class GiveUp extends Error {}
const giveUp = (): never => {
  throw new GiveUp();
};

type Data = Record<string, unknown>;

// YAML 1.2 core schema, as the yaml library resolves plain scalars
const NULL = /^(?:~|[Nn]ull|NULL)?$/;
const BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const NUMBER = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;
const HEX = /^0x[0-9a-fA-F]+$/;
const OCT = /^0o[0-7]+$/;
const SPECIAL = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;

function resolve(text: string): unknown {
  const c = text.charCodeAt(0);
  // most scalars are words: skip the regular expressions for them
  if (c >= 97 && c <= 122 && c !== 110 && c !== 116 && c !== 102) return text; // a-z but n, t, f
  if (NULL.test(text)) return null;
  if (BOOL.test(text)) return text[0] === 't' || text[0] === 'T';
  if (NUMBER.test(text)) return Number(text);
  if (HEX.test(text)) return Number.parseInt(text.slice(2), 16);
  if (OCT.test(text)) return Number.parseInt(text.slice(2), 8);
  if (SPECIAL.test(text)) return /nan/i.test(text) ? Number.NaN : text.startsWith('-') ? -Infinity : Infinity;
  return text;
}

const plainScalar = (text: string, context: Context): unknown => scalarFor(context, resolve(text), text);

/*
 * Maps are ordinary objects, which V8 keeps far smaller and faster than null-prototype ones (the
 * yaml-library reader's); a `__proto__` key, the one that would differ, is left to that reader.
 */
function addKey(map: Data, key: string): void {
  if (key === '__proto__' || Object.hasOwn(map, key)) giveUp();
}

/** A finished map. json-logic rules are rare: the yaml library reads them. */
function closeMap(map: Data, context: Context): Data {
  if (isLogicExpression(context, map.operator)) giveUp();
  return map;
}

function isDash(text: string, col: number): boolean {
  return text.charCodeAt(col) === 45 && (col + 1 === text.length || text.charCodeAt(col + 1) === 32);
}

class Reader {
  private readonly lines: string[];
  private line = 0;

  constructor(text: string) {
    this.lines = text.includes('\r') ? text.split(/\r?\n/) : text.split('\n');
  }

  read(): unknown {
    this.skipBlank();
    if (this.line >= this.lines.length) return null;
    if (this.indent(this.line) !== 0) giveUp();
    const node = this.block(0, 0, 'root');
    this.skipBlank();
    if (this.line < this.lines.length) giveUp();
    return node;
  }

  private indent(n: number): number {
    const text = this.lines[n]!;
    let i = 0;
    while (text.charCodeAt(i) === 32) i++;
    if (text.charCodeAt(i) === 9) giveUp();
    return i;
  }

  private skipBlank(): void {
    while (this.line < this.lines.length) {
      const text = this.lines[this.line]!;
      const i = this.indent(this.line);
      if (i < text.length && text[i] !== '#') {
        if (i === 0 && (text.startsWith('---') || text.startsWith('...') || text[0] === '%')) giveUp();
        return;
      }
      this.line++;
    }
  }

  /** The next non-blank line's indent, or -1 at the end. */
  private nextIndent(): number {
    this.skipBlank();
    return this.line < this.lines.length ? this.indent(this.line) : -1;
  }

  /** A block node starting at column `col` of the current line, inside a block indented `indent`. */
  private block(col: number, indent: number, context: Context): unknown {
    const text = this.lines[this.line]!;
    if (isDash(text, col)) return this.sequence(col, context);
    if (this.keyAt(text, col) !== undefined) return this.mapping(col, context);
    const value = this.inline(text, col, context);
    this.line++;
    if (this.nextIndent() > indent) giveUp(); // a multi-line scalar
    return value;
  }

  private sequence(col: number, context: Context): unknown[] {
    const items: unknown[] = [];
    for (;;) {
      const itemContext = childContext(context, items.length);
      const text = this.lines[this.line]!;
      let start = col + 1;
      while (text.charCodeAt(start) === 32) start++;
      if (start >= text.length || text[start] === '#') {
        this.line++;
        const next = this.nextIndent();
        items.push(next > col ? this.block(next, next, itemContext) : null);
      } else {
        items.push(this.block(start, col, itemContext));
      }
      const next = this.nextIndent();
      if (next < col) return items;
      if (next > col || !isDash(this.lines[this.line]!, col)) giveUp();
    }
  }

  /** Where the value of the last key found by keyAt starts (no object per key: see below). */
  private rest = 0;

  /** `key:` at `col`: the key (its value starts at `this.rest`), or undefined. */
  private keyAt(text: string, col: number): string | undefined {
    const c = text[col];
    if (c === '"' || c === "'") {
      const end = text.indexOf(c, col + 1);
      if (end === -1 || text[end + 1] !== ':' || (end + 2 < text.length && text[end + 2] !== ' ')) return undefined;
      const key = text.slice(col + 1, end);
      if (c === '"' && key.includes('\\')) giveUp();
      this.rest = end + 2;
      return key;
    }
    if (c === undefined || '[]{},#&*!|>%@`?"\''.includes(c)) return undefined;
    for (let i = col; i < text.length; i++) {
      const d = text.charCodeAt(i);
      if (d === 58 && (i + 1 === text.length || text.charCodeAt(i + 1) === 32)) {
        const key = text.slice(col, i).trimEnd();
        if (NULL.test(key) || BOOL.test(key)) giveUp();
        this.rest = i + 1;
        return key;
      }
      if (d === 32 && text.charCodeAt(i + 1) === 35) return undefined;
    }
    return undefined;
  }

  private mapping(col: number, context: Context): Data {
    const map: Data = {};
    let first = true;
    for (;;) {
      const text = this.lines[this.line]!;
      const key = this.keyAt(text, col);
      if (key === undefined || (!first && this.indent(this.line) !== col)) return giveUp();
      first = false;
      const rest = this.rest;
      addKey(map, key);
      const valueContext = childContext(context, key);
      let start = rest;
      while (text.charCodeAt(start) === 32) start++;
      if (start >= text.length || text[start] === '#') {
        this.line++;
        const next = this.nextIndent();
        if (next > col) map[key] = this.block(next, next, valueContext);
        else if (next === col && isDash(this.lines[this.line]!, col)) map[key] = this.sequence(col, valueContext);
        else map[key] = null;
      } else {
        map[key] = this.inline(text, start, valueContext);
        this.line++;
      }
      const next = this.nextIndent();
      if (next < col) return closeMap(map, context);
      if (next > col) giveUp();
    }
  }

  /** A one-line value from `start` to the end of the line (a comment may follow). */
  private inline(text: string, start: number, context: Context): unknown {
    const c = text[start]!;
    let value: unknown;
    let end: number;
    if (c === '[' || c === '{') {
      flow.text = text;
      flow.i = start;
      value = flow.read(context);
      end = flow.i;
    } else if (c === '"' || c === "'") {
      value = quoted(text, start);
      end = quotedEnd;
    } else {
      if ('&*!|>%@`?]},#'.includes(c) || isDash(text, start)) giveUp();
      let i = start;
      while (i < text.length) {
        const d = text.charCodeAt(i);
        if (d === 32 && text.charCodeAt(i + 1) === 35) break;
        if (d === 58 && (i + 1 === text.length || text.charCodeAt(i + 1) === 32)) giveUp();
        i++;
      }
      value = plainScalar(text.slice(start, i).trimEnd(), context);
      end = i;
    }
    while (text.charCodeAt(end) === 32) end++;
    if (end < text.length && text[end] !== '#') giveUp();
    return value;
  }
}

/** Where the last quoted scalar ended (after its closing quote): no tuple per scalar. */
let quotedEnd = 0;

/** A one-line quoted scalar without escapes; its end goes to `quotedEnd`. */
function quoted(text: string, start: number): string {
  const q = text[start]!;
  let out = '';
  let i = start + 1;
  for (;;) {
    const end = text.indexOf(q, i);
    if (end === -1) return giveUp();
    out += text.slice(i, end);
    if (q === "'" && text[end + 1] === "'") {
      out += "'";
      i = end + 2;
      continue;
    }
    if (q === '"' && out.includes('\\')) giveUp();
    quotedEnd = end + 1;
    return out;
  }
}

/** A flow collection on one line; one instance reads them all (set `text` and `i`, then read). */
class Flow {
  text = '';
  i = 0;

  private spaces(): void {
    while (this.text.charCodeAt(this.i) === 32) this.i++;
  }

  /** The collection at `i`; leaves `i` after its closing bracket. */
  read(context: Context): unknown {
    const { text } = this;
    const close = text[this.i] === '[' ? ']' : '}';
    this.i++;
    this.spaces();
    if (close === '}') {
      const map: Data = {};
      if (text[this.i] !== '}') {
        for (;;) {
          const key = this.plain(close);
          if (text[this.i] !== ':' || NULL.test(key) || BOOL.test(key)) giveUp();
          addKey(map, key);
          this.i++;
          this.spaces();
          const valueContext = childContext(context, key);
          map[key] = text[this.i] === ',' || text[this.i] === '}' ? null : this.item(close, valueContext);
          if (!this.next(close)) break;
        }
      }
      this.i++;
      return closeMap(map, context);
    }
    const items: unknown[] = [];
    if (text[this.i] !== ']') {
      for (;;) {
        items.push(this.item(close, childContext(context, items.length)));
        if (text[this.i] === ':') giveUp(); // a single-pair map inside a list
        if (!this.next(close)) break;
      }
    }
    this.i++;
    return items;
  }

  /** After an item: true at a comma (more to come), false at the closing bracket. */
  private next(close: string): boolean {
    this.spaces();
    const c = this.text[this.i];
    if (c === ',') {
      this.i++;
      this.spaces();
      if (this.text[this.i] === close) giveUp(); // a trailing comma: let the yaml library decide
      return true;
    }
    if (c === close) return false;
    return giveUp();
  }

  private item(close: string, context: Context): unknown {
    this.spaces();
    const c = this.text[this.i];
    if (c === '[' || c === '{') {
      const node = this.read(context);
      this.spaces();
      return node;
    }
    if (c === '"' || c === "'") {
      const value = quoted(this.text, this.i);
      this.i = quotedEnd;
      this.spaces();
      return value;
    }
    return plainScalar(this.plain(close), context);
  }

  /** A plain scalar's text (or a quoted key's); leaves the index on what follows it. */
  private plain(close: string): string {
    const { text } = this;
    this.spaces();
    const c = text[this.i];
    if (c === '"' || c === "'") {
      const value = quoted(text, this.i);
      this.i = quotedEnd;
      this.spaces();
      return value;
    }
    if (c === undefined || '&*!|>%@`?#[]{},'.includes(c)) giveUp();
    const from = this.i;
    while (this.i < text.length) {
      const d = text[this.i]!;
      if (d === ',' || d === ']' || d === '}') break;
      if (d === '[' || d === '{') giveUp();
      const after = text[this.i + 1];
      if (d === ':' && (after === ' ' || after === ',' || after === close || after === undefined)) break;
      if (d === '#' && text[this.i - 1] === ' ') giveUp();
      this.i++;
    }
    const value = text.slice(from, this.i).trimEnd();
    this.spaces();
    return value;
  }
}

const flow = new Flow();

/**
 * The document as the same plain data `readYaml` gives, or undefined when the text is outside the
 * subset this reader knows (then use readYaml).
 */
export function fastReadYaml(text: string): unknown {
  try {
    return new Reader(text).read();
  } catch (error) {
    if (error instanceof GiveUp) return undefined;
    throw error;
  }
}
