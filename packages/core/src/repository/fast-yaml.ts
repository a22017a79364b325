import { MAX_NESTING } from './yaml-nesting.js';
import { type Context, childContext, isLogicExpression, scalarFor } from './yaml-source.js';

/**
 * A fast reader for the plain subset of YAML that repository files are written in: block maps and
 * lists (including `- - key: v`), one-line flow collections, one-line plain and quoted scalars,
 * comments. It has no positions and no error messages: on anything else (anchors, tags, block
 * scalars, multi-line scalars, escapes, duplicate keys, tabs, json-logic rules, bad syntax) it
 * gives up, and the caller reads the file with the `yaml` library, which knows every corner of
 * YAML and where each node is, but is ~10 times slower on large files. Both give the same data
 * (fast-yaml.test.ts checks it).
 *
 * It walks the text by offset (no string per line) and takes keys and short scalars from a small
 * table of strings already seen (no copy of `version`, `kind` or `eq` per occurrence), so that a
 * large file costs little more than one pass over its characters.
 */

class GiveUp extends Error {}
/** One instance: giving up is not exceptional enough for a stack trace each time. */
const GIVE_UP = new GiveUp();
const giveUp = (): never => {
  throw GIVE_UP;
};

type Data = Record<string, unknown>;

// YAML 1.2 core schema, as the yaml library resolves plain scalars
const NUMBER = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;
const HEX = /^0x[0-9a-fA-F]+$/;
const OCT = /^0o[0-7]+$/;
const SPECIAL = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;

/**
 * A plain scalar's value. Each expression above is tried only where the first characters allow it
 * to match (a first run compiles each one it tries: the state of `e status` needs only NUMBER).
 */
function resolve(text: string): unknown {
  const c = text.charCodeAt(0);
  // most scalars are words: skip the regular expressions for them
  if (c >= 97 && c <= 122 && c !== 110 && c !== 116 && c !== 102) return text; // a-z but n, t, f
  if (text === '' || mayBeNullOrBool(c)) {
    const value = NULL_OR_BOOL.get(text);
    return value === undefined ? text : value;
  }
  const sign = c === 43 || c === 45 || c === 46; // + - .
  if (!sign && (c < 48 || c > 57)) return text; // nor a digit
  if (NUMBER.test(text)) return Number(text);
  if (c === 48 && text[1] === 'x' && HEX.test(text)) return Number.parseInt(text.slice(2), 16);
  if (c === 48 && text[1] === 'o' && OCT.test(text)) return Number.parseInt(text.slice(2), 8);
  if (sign && SPECIAL.test(text)) return /nan/i.test(text) ? Number.NaN : text.startsWith('-') ? -Infinity : Infinity;
  return text;
}

/** Whether a plain scalar starting with this character may be null or a boolean (`~`, n, N, t, T, f, F). */
function mayBeNullOrBool(c: number): boolean {
  return c === 126 || c === 110 || c === 78 || c === 116 || c === 84 || c === 102 || c === 70;
}

/**
 * The plain scalars that are null or a boolean (the core schema's `^(?:~|[Nn]ull|NULL)?$` and
 * `^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$`), with their values: looked up, not matched (keys such as
 * `name` and `type` are checked too, and a first run compiles each expression it uses).
 */
const NULL_OR_BOOL: ReadonlyMap<string, null | boolean> = new Map([
  ...(['', '~', 'null', 'Null', 'NULL'] as const).map((text) => [text, null] as const),
  ...(['true', 'True', 'TRUE'] as const).map((text) => [text, true] as const),
  ...(['false', 'False', 'FALSE'] as const).map((text) => [text, false] as const),
]);
const isNullOrBool = (key: string): boolean => NULL_OR_BOOL.has(key);

/** Character classes, by code below 128. */
const NOT_KEY_START = 1; // [ ] { } , # & * ! | > % @ ` ? " '
const NOT_VALUE_START = 2; // & * ! | > % @ ` ? ] } , #
const NOT_FLOW_START = 4; // & * ! | > % @ ` ? # [ ] { } ,
const CLASS = new Uint8Array(128);
for (const c of '[]{},#&*!|>%@`?"\'') CLASS[c.charCodeAt(0)]! |= NOT_KEY_START;
for (const c of '&*!|>%@`?]},#') CLASS[c.charCodeAt(0)]! |= NOT_VALUE_START;
for (const c of '&*!|>%@`?#[]{},') CLASS[c.charCodeAt(0)]! |= NOT_FLOW_START;
const is = (c: number, cls: number): boolean => c < 128 && (CLASS[c]! & cls) !== 0;

const SPACE = 32;
const HASH = 35;
const COLON = 58;
const DASH = 45;
const COMMA = 44;
const QUOTE = 34;
const APOSTROPHE = 39;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;

/*
 * Strings already seen, by a hash of their characters: keys and short scalars repeat all over a
 * repository file. A slot holds the last string that hashed to it; longer strings are sliced.
 */
const INTERN_MAX = 32;
const INTERN_SIZE = 1 << 13;

class Reader {
  private readonly text: string;
  private readonly length: number;
  /** The current line: where it starts and where its `\n` is (or the end of the text). */
  private start = 0;
  private end = 0;
  /** Where the value of the last key found by keyAt starts. */
  private rest = 0;
  /** Where the last quoted scalar ended (after its closing quote). */
  private quotedEnd = 0;
  /** The flow reader's position. */
  private at = 0;
  /** The first backslash at or after some earlier position (the text is read forwards). */
  private backslash = -1;
  /** Collections open around the current position: past MAX_NESTING the caller's checks take over. */
  private depth = 0;
  /** Strings already seen (see INTERN_SIZE); one table per text, which slices may keep alive. */
  private readonly interned: (string | undefined)[] = new Array<string | undefined>(INTERN_SIZE).fill(undefined);

  constructor(text: string) {
    this.text = text;
    this.length = text.length;
    this.end = this.lineEnd(0);
  }

  private code(i: number): number {
    return this.text.charCodeAt(i);
  }

  private lineEnd(from: number): number {
    const end = this.text.indexOf('\n', from);
    return end === -1 ? this.length : end;
  }

  private nextLine(): void {
    this.start = this.end + 1;
    this.end = this.start < this.length ? this.lineEnd(this.start) : this.length;
  }

  /** The text from `from` to `to`, from the table of strings already seen when short. */
  private str(from: number, to: number): string {
    const n = to - from;
    if (n > INTERN_MAX) return this.text.slice(from, to);
    const { text } = this;
    let hash = n;
    for (let i = from; i < to; i++) hash = (Math.imul(hash, 31) + text.charCodeAt(i)) | 0;
    const slot = (hash ^ (hash >>> 13)) & (INTERN_SIZE - 1);
    const seen = this.interned[slot];
    if (seen !== undefined && seen.length === n) {
      let i = 0;
      while (i < n && seen.charCodeAt(i) === text.charCodeAt(from + i)) i++;
      if (i === n) return seen;
    }
    const fresh = text.slice(from, to);
    this.interned[slot] = fresh;
    return fresh;
  }

  read(root: Context): unknown {
    this.skipBlank();
    if (this.start >= this.length) return null;
    if (this.code(this.start) === SPACE) giveUp();
    const node = this.block(this.start, 0, root);
    this.skipBlank();
    if (this.start < this.length) giveUp();
    return node;
  }

  private indent(): number {
    let i = this.start;
    while (this.text.charCodeAt(i) === SPACE) i++;
    return i - this.start;
  }

  private skipBlank(): void {
    const { text } = this;
    while (this.start < this.length) {
      const i = this.start + this.indent();
      if (i < this.end && text.charCodeAt(i) !== HASH) {
        if (
          i === this.start &&
          (text.startsWith('---', i) || text.startsWith('...', i) || text.charCodeAt(i) === 37) // %
        ) {
          giveUp();
        }
        return;
      }
      this.nextLine();
    }
  }

  /** The next non-blank line's indent, or -1 at the end. */
  private nextIndent(): number {
    this.skipBlank();
    return this.start < this.length ? this.indent() : -1;
  }

  private isDash(i: number): boolean {
    return this.code(i) === DASH && (i + 1 === this.end || this.code(i + 1) === SPACE);
  }

  private skipSpaces(i: number): number {
    while (this.text.charCodeAt(i) === SPACE) i++;
    return i;
  }

  /** A block node starting at offset `at` of the current line, inside a block indented `indent`. */
  private block(at: number, indent: number, context: Context): unknown {
    if (this.isDash(at)) {
      this.enter();
      const items = this.sequence(at - this.start, context);
      this.depth--;
      return items;
    }
    const key = this.keyAt(at);
    if (key !== undefined) {
      this.enter();
      const map = this.mapping(at - this.start, key, context);
      this.depth--;
      return map;
    }
    const value = this.inline(at, context);
    this.nextLine();
    if (this.nextIndent() > indent) giveUp(); // a multi-line scalar
    return value;
  }

  private sequence(col: number, context: Context): unknown[] {
    const items: unknown[] = [];
    for (;;) {
      const itemContext = childContext(context, items.length);
      const start = this.skipSpaces(this.start + col + 1);
      if (start >= this.end || this.code(start) === HASH) {
        this.nextLine();
        const next = this.nextIndent();
        items.push(next > col ? this.block(this.start + next, next, itemContext) : null);
      } else {
        items.push(this.block(start, col, itemContext));
      }
      const next = this.nextIndent();
      if (next < col) return items;
      if (next > col || !this.isDash(this.start + col)) giveUp();
    }
  }

  /** `key:` at offset `at`: the key (its value starts at `this.rest`), or undefined. */
  private keyAt(at: number): string | undefined {
    const c = this.code(at);
    if (c === QUOTE || c === APOSTROPHE) {
      const close = this.text.indexOf(c === QUOTE ? '"' : "'", at + 1);
      if (close === -1 || close >= this.end || this.code(close + 1) !== COLON) return undefined;
      if (close + 2 < this.end && this.code(close + 2) !== SPACE) return undefined;
      if (c === QUOTE && this.hasBackslash(at + 1, close)) giveUp();
      this.rest = close + 2;
      return this.str(at + 1, close);
    }
    if (at >= this.end || is(c, NOT_KEY_START) || this.isDash(at)) return undefined;
    for (let i = at; i < this.end; i++) {
      const d = this.code(i);
      if (d === COLON && (i + 1 === this.end || this.code(i + 1) === SPACE)) {
        let to = i;
        while (this.code(to - 1) === SPACE) to--;
        const key = this.str(at, to);
        if (isNullOrBool(key)) giveUp();
        this.rest = i + 1;
        return key;
      }
      if (d === SPACE && this.code(i + 1) === HASH) return undefined;
    }
    return undefined;
  }

  private mapping(col: number, first: string, context: Context): Data {
    const base = this.top;
    let key = first;
    for (;;) {
      this.addKey(base, key, context);
      const valueContext = childContext(context, key);
      const start = this.skipSpaces(this.rest);
      let value: unknown;
      if (start >= this.end || this.code(start) === HASH) {
        this.nextLine();
        const next = this.nextIndent();
        if (next > col) value = this.block(this.start + next, next, valueContext);
        else if (next === col && this.isDash(this.start + col)) value = this.sequence(col, valueContext);
        else value = null;
      } else {
        value = this.inline(start, valueContext);
        this.nextLine();
      }
      this.push(key, value);
      const next = this.nextIndent();
      if (next < col) return this.closeMap(base, context);
      if (next > col) giveUp();
      key = this.keyAt(this.start + col) ?? giveUp();
    }
  }

  /*
   * The keys and values of the maps being read, on a stack (a map's start at `base`): maps are
   * built when complete, the most frequent shapes as object literals, which V8 makes faster and
   * smaller than objects grown key by key.
   */
  private readonly keys: string[] = [];
  private readonly values: unknown[] = [];
  private top = 0;

  private push(key: string, value: unknown): void {
    this.keys[this.top] = key;
    this.values[this.top] = value;
    this.top++;
  }

  /**
   * A key of the map starting at `base`: a duplicate or `__proto__` (see below) is the yaml
   * library's. So is, in plain YAML data (`json`), a key it reads as a number (`1.0:` is its key
   * "1"): this reader keeps keys as written.
   */
  private addKey(base: number, key: string, context: Context): void {
    if (key === '__proto__') giveUp();
    if (context === 'json' && typeof resolve(key) !== 'string') giveUp();
    for (let i = base; i < this.top; i++) if (this.keys[i] === key) giveUp();
  }

  /**
   * The map from `base` to the top of the stack, which it leaves. Maps are ordinary objects, which
   * V8 keeps far smaller and faster than null-prototype ones (the yaml-library reader's); a
   * `__proto__` key, the one that would differ, is left to that reader. json-logic rules are rare:
   * the yaml library reads them too.
   */
  private closeMap(base: number, context: Context): Data {
    const { keys, values } = this;
    const n = this.top - base;
    this.top = base;
    const k0 = keys[base];
    const v0 = values[base];
    if (n === 3 && k0 === 'key' && keys[base + 1] === 'operator' && keys[base + 2] === 'values') {
      if (isLogicExpression(context, values[base + 1])) giveUp();
      return { key: v0, operator: values[base + 1], values: values[base + 2] };
    }
    if (k0 === 'name' && n >= 2 && n <= 3) {
      const k1 = keys[base + 1];
      const v1 = values[base + 1];
      if (n === 2 && k1 === 'command') return { name: v0, command: v1 };
      const k2 = keys[base + 2];
      const v2 = values[base + 2];
      if (k1 === 'command') {
        if (k2 === 'args') return { name: v0, command: v1, args: v2 };
        if (k2 === 'envs') return { name: v0, command: v1, envs: v2 };
      } else if (k1 === 'description' && k2 === 'command') return { name: v0, description: v1, command: v2 };
    }
    const map: Data = {};
    for (let i = base; i < base + n; i++) map[keys[i]!] = values[i];
    if (isLogicExpression(context, map.operator)) giveUp();
    return map;
  }

  /** A one-line value from `at` to the end of the line (a comment may follow). */
  private inline(at: number, context: Context): unknown {
    const c = this.code(at);
    let value: unknown;
    let end: number;
    if (c === OPEN_BRACKET || c === OPEN_BRACE) {
      this.at = at;
      value = this.flow(context);
      end = this.at;
    } else if (c === QUOTE || c === APOSTROPHE) {
      value = this.quoted(at);
      end = this.quotedEnd;
    } else {
      if (is(c, NOT_VALUE_START) || this.isDash(at)) giveUp();
      let i = at;
      while (i < this.end) {
        const d = this.code(i);
        if (d === SPACE && this.code(i + 1) === HASH) break;
        if (d === COLON && (i + 1 === this.end || this.code(i + 1) === SPACE)) giveUp();
        i++;
      }
      end = i;
      while (this.code(i - 1) === SPACE) i--;
      value = this.plainScalar(at, i, context);
    }
    const after = this.skipSpaces(end);
    // a comment must be separated from the value by a space
    if (after < this.end && (this.code(after) !== HASH || after === end)) giveUp();
    return value;
  }

  /** A plain scalar from `from` to `to` as the data for its context (see scalarFor). */
  private plainScalar(from: number, to: number, context: Context): unknown {
    if (from === to) return null;
    if (context !== 'label' && context !== 'json' && context !== 'quantity') {
      // outside labels and quantities, a number keeps its text: only null and booleans are read
      if (!mayBeNullOrBool(this.code(from))) return this.str(from, to);
    }
    const text = this.str(from, to);
    return scalarFor(context, resolve(text), text);
  }

  private hasBackslash(from: number, to: number): boolean {
    if (this.backslash < from && this.backslash !== -2) {
      const next = this.text.indexOf('\\', from);
      this.backslash = next === -1 ? -2 : next; // -2: none left
    }
    return this.backslash !== -2 && this.backslash < to;
  }

  /** A one-line quoted scalar without escapes; its end goes to `quotedEnd`. */
  private quoted(at: number): string {
    const { text } = this;
    const q = text[at]!;
    const from = at + 1;
    const close = text.indexOf(q, from);
    if (close === -1 || close >= this.end) return giveUp();
    if (q === '"') {
      if (this.hasBackslash(from, close)) giveUp();
      this.quotedEnd = close + 1;
      return this.str(from, close);
    }
    if (text.charCodeAt(close + 1) !== APOSTROPHE) {
      this.quotedEnd = close + 1;
      return this.str(from, close);
    }
    // '' is a quote
    let out = '';
    let i = from;
    for (;;) {
      const end = text.indexOf("'", i);
      if (end === -1 || end >= this.end) return giveUp();
      out += text.slice(i, end);
      if (text.charCodeAt(end + 1) === APOSTROPHE) {
        out += "'";
        i = end + 2;
        continue;
      }
      this.quotedEnd = end + 1;
      return out;
    }
  }

  /* Flow collections on one line, read from `this.at`. */

  private flowSpaces(): void {
    while (this.text.charCodeAt(this.at) === SPACE) this.at++;
  }

  /** The collection at `at`; leaves `at` after its closing bracket. */
  private enter(): void {
    if (++this.depth > MAX_NESTING) giveUp();
  }

  private flow(context: Context): unknown {
    this.enter();
    const node = this.flowCollection(context);
    this.depth--;
    return node;
  }

  private flowCollection(context: Context): unknown {
    const isMap = this.code(this.at) === OPEN_BRACE;
    this.at++;
    this.flowSpaces();
    if (isMap) {
      const base = this.top;
      if (this.code(this.at) !== CLOSE_BRACE) {
        for (;;) {
          const key = this.flowKey(CLOSE_BRACE);
          if (this.code(this.at) !== COLON || isNullOrBool(key)) giveUp();
          this.addKey(base, key, context);
          this.at++;
          this.flowSpaces();
          const valueContext = childContext(context, key);
          const c = this.code(this.at);
          this.push(key, c === COMMA || c === CLOSE_BRACE ? null : this.flowItem(CLOSE_BRACE, valueContext));
          if (!this.flowNext(CLOSE_BRACE)) break;
        }
      }
      this.at++;
      return this.closeMap(base, context);
    }
    const items: unknown[] = [];
    if (this.code(this.at) !== CLOSE_BRACKET) {
      for (;;) {
        items.push(this.flowItem(CLOSE_BRACKET, childContext(context, items.length)));
        if (this.code(this.at) === COLON) giveUp(); // a single-pair map inside a list
        if (!this.flowNext(CLOSE_BRACKET)) break;
      }
    }
    this.at++;
    return items;
  }

  /** After an item: true at a comma (more to come), false at the closing bracket. */
  private flowNext(close: number): boolean {
    this.flowSpaces();
    const c = this.code(this.at);
    if (c === COMMA) {
      this.at++;
      this.flowSpaces();
      if (this.code(this.at) === close) giveUp(); // a trailing comma: let the yaml library decide
      return true;
    }
    if (c === close) return false;
    return giveUp();
  }

  private flowItem(close: number, context: Context): unknown {
    this.flowSpaces();
    const c = this.code(this.at);
    if (c === OPEN_BRACKET || c === OPEN_BRACE) {
      const node = this.flow(context);
      this.flowSpaces();
      return node;
    }
    if (c === QUOTE || c === APOSTROPHE) {
      const value = this.quoted(this.at);
      this.at = this.quotedEnd;
      this.flowSpaces();
      return value;
    }
    const from = this.at;
    const to = this.flowPlain(close);
    return this.plainScalar(from, to, context);
  }

  private flowKey(close: number): string {
    const c = this.code(this.at);
    if (c === QUOTE || c === APOSTROPHE) {
      const value = this.quoted(this.at);
      this.at = this.quotedEnd;
      this.flowSpaces();
      return value;
    }
    const from = this.at;
    return this.str(from, this.flowPlain(close));
  }

  /** A plain scalar from `at`: returns where its text ends and leaves `at` on what follows it. */
  private flowPlain(close: number): number {
    const from = this.at;
    const c = this.code(from);
    if (this.at >= this.end || is(c, NOT_FLOW_START)) giveUp();
    if (c === DASH) {
      // `- ` or a lone `-` starts a block list, which a flow collection cannot hold
      const d = this.code(this.at + 1);
      if (this.at + 1 >= this.end || d === SPACE || d === COMMA || d === close) giveUp();
    }
    while (this.at < this.end) {
      const d = this.code(this.at);
      if (d === COMMA || d === CLOSE_BRACKET || d === CLOSE_BRACE) break;
      if (d === OPEN_BRACKET || d === OPEN_BRACE) giveUp();
      if (d === COLON) {
        const after = this.code(this.at + 1);
        if (this.at + 1 >= this.end || after === SPACE || after === COMMA || after === close) break;
      }
      if (d === HASH && this.code(this.at - 1) === SPACE) giveUp();
      this.at++;
    }
    let to = this.at;
    while (to > from && this.code(to - 1) === SPACE) to--;
    this.flowSpaces();
    return to;
  }
}

/**
 * The document as the same plain data `readYaml` gives, or undefined when the text is outside the
 * subset this reader knows (then use readYaml). With `root` 'json', any YAML file's data as the
 * yaml library's toJS gives it (state.yml: loadInstalled), with no repository rules.
 */
export function fastReadYaml(text: string, root: Context = 'root'): unknown {
  // tabs (indentation or separation), byte order marks and old Mac line ends: the yaml library's
  if (text.includes('\t') || text.charCodeAt(0) === 0xfeff) return undefined;
  let source = text;
  if (source.includes('\r')) {
    source = source.replace(/\r\n/g, '\n');
    if (source.includes('\r')) return undefined;
  }
  try {
    return new Reader(source).read(root);
  } catch (error) {
    if (error instanceof GiveUp) return undefined;
    throw error;
  }
}
