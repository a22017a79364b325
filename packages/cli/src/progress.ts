import type { PullProgress } from '@e/core/runtime';
import { sanitizeTerminalText } from '@e/core/terminal';
import { createColors } from 'picocolors';

type Colors = ReturnType<typeof createColors>;

/** Whether `stream` gets colour: only a terminal, and never with a non-empty NO_COLOR or TERM=dumb. */
export function colorEnabled(stream: NodeJS.WriteStream): boolean {
  return Boolean(stream.isTTY) && (process.env.NO_COLOR ?? '') === '' && process.env.TERM !== 'dumb';
}

/** Colours for `stream` (see colorEnabled). */
export function colorsFor(stream: NodeJS.WriteStream): Colors {
  return createColors(colorEnabled(stream));
}

/** The engine relays the registry's words in pull statuses: print them as text only. */
function plain(text: string): string {
  return sanitizeTerminalText(text, { color: false }).replaceAll('\n', ' ');
}

export interface PullRenderer {
  pullStart(ref: string, platform: string): void;
  pullProgress(event: PullProgress): void;
  pullEnd(ref: string): void;
}

/**
 * Pull progress: on a terminal, one line per layer redrawn in place with a bar and bytes; elsewhere
 * one plain line per step (a layer's status changes, not every byte count).
 */
export function createPullRenderer(stream: NodeJS.WriteStream): PullRenderer {
  return stream.isTTY ? new TtyPullRenderer(stream) : new PlainPullRenderer(stream);
}

class PlainPullRenderer implements PullRenderer {
  readonly #out: NodeJS.WriteStream;
  readonly #last = new Map<string, string>();

  constructor(out: NodeJS.WriteStream) {
    this.#out = out;
  }

  pullStart(ref: string, platform: string): void {
    this.#out.write(`Pulling ${plain(ref)} for ${platform}\n`);
  }

  pullProgress(event: PullProgress): void {
    if (event.layer === undefined) {
      if (event.status !== '') this.#out.write(`  ${plain(event.status)}\n`);
      return;
    }
    if (this.#last.get(event.layer) === event.status) return;
    this.#last.set(event.layer, event.status);
    const size = event.total ? ` (${formatBytes(event.total)})` : '';
    this.#out.write(`  layer ${plain(event.layer)}: ${plain(event.status)}${size}\n`);
  }

  pullEnd(ref: string): void {
    this.#out.write(`Pulled ${plain(ref)}\n`);
  }
}

interface LayerLine {
  status: string;
  current?: number;
  total?: number;
}

class TtyPullRenderer implements PullRenderer {
  readonly #out: NodeJS.WriteStream;
  readonly #c: Colors;
  readonly #layers = new Map<string, LayerLine>();
  #drawn = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(out: NodeJS.WriteStream) {
    this.#out = out;
    this.#c = colorsFor(out);
  }

  pullStart(ref: string, platform: string): void {
    this.#out.write(`${this.#c.bold('Pulling')} ${plain(ref)} ${this.#c.dim(`for ${platform}`)}\n`);
  }

  pullProgress(event: PullProgress): void {
    if (event.layer === undefined) return;
    const previous = this.#layers.get(event.layer);
    this.#layers.set(event.layer, {
      status: event.status,
      current: event.current ?? (event.status === previous?.status ? previous.current : undefined),
      total: event.total ?? previous?.total,
    });
    // redraw at most ~12 times a second: the engine sends an event per few KB
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      this.#draw();
    }, 80);
  }

  pullEnd(ref: string): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#draw();
    this.#out.write(`${this.#c.green('Pulled')} ${plain(ref)}\n`);
  }

  #draw(): void {
    const width = Math.max(20, Math.min(30, (this.#out.columns ?? 80) - 60));
    const lines = [...this.#layers].map(([id, layer]) => {
      const done = /complete|already exists/i.test(layer.status);
      const ratio = done ? 1 : layer.total ? Math.min(1, (layer.current ?? 0) / layer.total) : 0;
      const filled = Math.round(ratio * width);
      const bar = `[${'='.repeat(filled)}${filled < width ? '>' : ''}${' '.repeat(Math.max(0, width - filled - 1))}]`;
      const bytes = layer.total
        ? ` ${formatBytes(layer.current ?? (done ? layer.total : 0))}/${formatBytes(layer.total)}`
        : '';
      const colour = done ? this.#c.green : this.#c.cyan;
      return `  ${plain(id)} ${colour(bar)} ${plain(layer.status)}${bytes}`;
    });
    const up = this.#drawn > 0 ? `\x1b[${this.#drawn}A` : '';
    this.#out.write(`${up}${lines.map((l) => `\x1b[2K${l}`).join('\n')}\n`);
    this.#drawn = lines.length;
  }
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} kB`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `${(n / 1024 / 1024 / 1024).toFixed(2)} GB`;
}
