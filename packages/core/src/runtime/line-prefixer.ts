import { StringDecoder } from 'node:string_decoder';
import { sanitizeTerminalText } from '../terminal/sanitize-terminal-text.js';

/** Lines longer than this are cut into pieces, so one endless line cannot grow memory. */
const MAX_LINE = 64 * 1024;

export interface LinePrefixerOptions {
  /** Keep the module's SGR colours: only when the target is a terminal that allows colour. */
  color?: boolean;
}

/**
 * Turns a module's output stream into complete lines for a terminal or a log, each starting with
 * `prefix` and stripped of terminal control sequences (`sanitizeTerminalText`). Whole lines are
 * sanitized, so a sequence split across chunks is still recognised. Keeps only the unfinished last
 * line between calls (at most MAX_LINE characters).
 */
export class LinePrefixer {
  readonly #prefix: string;
  readonly #color: boolean;
  readonly #decoder = new StringDecoder('utf8');
  #partial = '';

  constructor(prefix: string, options: LinePrefixerOptions = {}) {
    this.#prefix = prefix;
    this.#color = options.color ?? false;
  }

  /** The prefixed complete lines in `chunk` (with their newlines), or '' when none finished yet. */
  push(chunk: Buffer | string): string {
    // the decoder keeps a multi-byte character cut between chunks for the next one
    const text = this.#partial + (typeof chunk === 'string' ? chunk : this.#decoder.write(chunk));
    const end = text.lastIndexOf('\n');
    if (end === -1) {
      if (text.length <= MAX_LINE) {
        this.#partial = text;
        return '';
      }
      this.#partial = '';
      return this.#line(text);
    }
    this.#partial = text.slice(end + 1);
    let out = '';
    for (const line of text.slice(0, end).split('\n')) out += this.#line(line);
    if (this.#partial.length > MAX_LINE) {
      out += this.#line(this.#partial);
      this.#partial = '';
    }
    return out;
  }

  /** The unfinished last line, prefixed and terminated, or ''. */
  flush(): string {
    const rest = this.#partial + this.#decoder.end();
    this.#partial = '';
    return rest === '' ? '' : this.#line(rest);
  }

  #line(line: string): string {
    return `${this.#prefix}${sanitizeTerminalText(line, { color: this.#color })}\n`;
  }
}

/** Keeps the last `limit` bytes of a stream, to quote in messages without holding all output. */
export class OutputTail {
  readonly #limit: number;
  #chunks: Buffer[] = [];
  #size = 0;

  constructor(limit = 4096) {
    this.#limit = limit;
  }

  push(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#size += chunk.length;
    while (this.#size - (this.#chunks[0]?.length ?? 0) >= this.#limit) {
      this.#size -= this.#chunks.shift()?.length ?? 0;
    }
  }

  /** The last complete lines kept (a cut first line is dropped). */
  text(): string {
    const all = Buffer.concat(this.#chunks);
    const tail = all.subarray(Math.max(0, all.length - this.#limit)).toString('utf8');
    const cut = all.length > this.#limit ? tail.indexOf('\n') + 1 : 0;
    return tail.slice(cut).trimEnd();
  }
}
