import { fstatSync, statSync, writeSync } from 'node:fs';
import { sanitizeTerminalText } from '@e/core/terminal';
import { stringify } from 'yaml';
import { colorEnabled } from './progress.js';

export type OutputFormat = 'text' | 'json' | 'yaml';

/** With -o json|yaml, the result a command emitted: main prints it once the command has ended. */
let held: { data: unknown } | undefined;

/**
 * A command's result in the format the user chose: `text` calls the renderer and prints at once;
 * with `json` and `yaml` the data itself is the result, so scripts get every field, and main prints
 * it when the command ends (with the error, if one follows), so stdout holds one document. Text
 * often quotes what modules wrote (state.yml, statuses, output), so it goes through terminalText.
 */
export function emit(format: OutputFormat, data: unknown, renderText: () => string): void {
  if (format !== 'text') {
    held = { data };
    return;
  }
  const out = terminalText(stdoutStream(), renderText());
  writeStdout(out.endsWith('\n') || out === '' ? out : `${out}\n`);
}

/** Whether emit and printDocument write to fd 1 themselves (writeStdoutDirectly). */
let direct = false;

/**
 * From now on, while stdout is a pipe, a socket, a file or /dev/null (never a terminal), emit and
 * printDocument write to it with fs.writeSync, so that process.stdout is never made: for a pipe that
 * loads node:net and makes a socket, ~4 ms of a command that only reads (the read-only bundle's
 * main calls this); for a file or /dev/null, Node's streams. The bytes are the same; the text is
 * what process.stdout gets where it is no terminal.
 */
export function writeStdoutDirectly(): void {
  try {
    const stats = fstatSync(1);
    direct =
      stats.isFIFO() || stats.isSocket() || stats.isFile() || (stats.isCharacterDevice() && isDevNull(stats.rdev));
  } catch {
    direct = false;
  }
}

/** Whether the character device `rdev` is /dev/null (`e status > /dev/null`): a terminal is another device. */
function isDevNull(rdev: number): boolean {
  return statSync('/dev/null', { throwIfNoEntry: false })?.rdev === rdev;
}

/** What emit's text is made for: process.stdout, or (written directly) a stream that is no terminal. */
function stdoutStream(): NodeJS.WriteStream {
  return direct ? ({ isTTY: false } as NodeJS.WriteStream) : process.stdout;
}

function writeStdout(text: string): void {
  if (!direct) {
    process.stdout.write(text);
    return;
  }
  const bytes = Buffer.from(text);
  let written = 0;
  try {
    while (written < bytes.length) written += writeSync(1, bytes, written);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // the reader is gone (`e status | head`): stop quietly, as bin/e.js does for process.stdout
    if (code === 'EPIPE') process.exit(0);
    if (code !== 'EAGAIN') throw error;
    // a non-blocking pipe that is full: process.stdout waits for the reader
    direct = false;
    process.stdout.write(bytes.subarray(written));
  }
}

/** The result emitted with -o json|yaml since the last call, if any (see emit). */
export function takeResult(): { data: unknown } | undefined {
  const result = held;
  held = undefined;
  return result;
}

/** Prints `data` as one JSON or YAML document on stdout. */
export function printDocument(format: 'json' | 'yaml', data: unknown): void {
  writeStdout(format === 'json' ? `${JSON.stringify(data, null, 2)}\n` : stringify(data));
}

/**
 * `text` as it may be written to `stream`: no terminal control sequences, and colour (SGR) only
 * where the stream gets colour. For every text that can hold what a module produced.
 */
export function terminalText(stream: NodeJS.WriteStream, text: string): string {
  return sanitizeTerminalText(text, { color: colorEnabled(stream) });
}

/** How wide stdout is when it is a terminal; undefined when it is a pipe or a file (no limit). */
export function terminalWidth(): number | undefined {
  if (direct) return undefined;
  return process.stdout.isTTY ? process.stdout.columns : undefined;
}

/**
 * Left-aligned columns for text tables, two spaces apart. When the table is wider than `width`
 * (default: the terminal's), the widest columns are narrowed, down to their heading (at least 8),
 * and their cells wrap onto more lines, after a space, comma or semicolon where there is one.
 */
export function table(rows: readonly (readonly string[])[], options: { width?: number } = {}): string {
  const width = 'width' in options ? options.width : terminalWidth();
  const natural: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      natural[i] = Math.max(natural[i] ?? 0, cell.length);
    });
  }
  const widths = width === undefined ? natural : fit(natural, rows[0] ?? [], width);
  return rows
    .flatMap((row) => {
      const cells = row.map((cell, i) => wrap(cell, widths[i] ?? cell.length));
      const height = Math.max(...cells.map((lines) => lines.length));
      return Array.from({ length: height }, (_, line) =>
        cells
          .map((lines, i) => {
            const text = lines[line] ?? '';
            return i === cells.length - 1 ? text : text.padEnd(widths[i] ?? 0);
          })
          .join('  ')
          .trimEnd(),
      );
    })
    .join('\n');
}

/** Column widths that add up to `width` at most, taking from the widest column first. */
function fit(natural: readonly number[], headings: readonly string[], width: number): number[] {
  const widths = [...natural];
  const least = natural.map((w, i) => Math.min(w, Math.max(headings[i]?.length ?? 0, 8)));
  let excess = widths.reduce((sum, w) => sum + w, 0) + 2 * (widths.length - 1) - width;
  while (excess > 0) {
    let widest = -1;
    widths.forEach((w, i) => {
      if (w > least[i]! && (widest === -1 || w > widths[widest]!)) widest = i;
    });
    if (widest === -1) break;
    widths[widest]!--;
    excess--;
  }
  return widths;
}

/** `text` in lines of `width` characters at most, broken after a space, comma or semicolon when one is near. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let rest = text;
  while (rest.length > width) {
    let cut = width;
    while (cut > width / 4 && !/[ ,;]/.test(rest[cut - 1]!)) cut--;
    if (cut <= width / 4) cut = width;
    lines.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  lines.push(rest);
  return lines;
}
