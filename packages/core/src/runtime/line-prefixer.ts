/** Lines longer than this are cut into pieces, so one endless line cannot grow memory. */
const MAX_LINE = 64 * 1024;

/**
 * Turns a byte stream into complete lines, each starting with `prefix`. Keeps only the unfinished
 * last line between calls (at most MAX_LINE bytes).
 */
export class LinePrefixer {
  readonly #prefix: string;
  #partial = '';

  constructor(prefix: string) {
    this.#prefix = prefix;
  }

  /** The prefixed complete lines in `chunk` (with their newlines), or '' when none finished yet. */
  push(chunk: Buffer | string): string {
    const text = this.#partial + (typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
    const end = text.lastIndexOf('\n');
    if (end === -1) {
      if (text.length <= MAX_LINE) {
        this.#partial = text;
        return '';
      }
      this.#partial = '';
      return `${this.#prefix}${text}\n`;
    }
    this.#partial = text.slice(end + 1);
    let out = '';
    for (const line of text.slice(0, end).split('\n')) out += `${this.#prefix}${line}\n`;
    if (this.#partial.length > MAX_LINE) out += this.flush();
    return out;
  }

  /** The unfinished last line, prefixed and terminated, or ''. */
  flush(): string {
    const rest = this.#partial;
    this.#partial = '';
    return rest === '' ? '' : `${this.#prefix}${rest}\n`;
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
