import { createRequire } from 'node:module';
import { sanitizeTerminalText } from '@e/core/terminal';
import type * as Yaml from 'yaml';
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
  const out = terminalText(process.stdout, renderText());
  process.stdout.write(out.endsWith('\n') || out === '' ? out : `${out}\n`);
}

/** The result emitted with -o json|yaml since the last call, if any (see emit). */
export function takeResult(): { data: unknown } | undefined {
  const result = held;
  held = undefined;
  return result;
}

/** Prints `data` as one JSON or YAML document on stdout. */
export function printDocument(format: 'json' | 'yaml', data: unknown): void {
  process.stdout.write(format === 'json' ? `${JSON.stringify(data, null, 2)}\n` : yaml().stringify(data));
}

/**
 * `text` as it may be written to `stream`: no terminal control sequences, and colour (SGR) only
 * where the stream gets colour. For every text that can hold what a module produced.
 */
export function terminalText(stream: NodeJS.WriteStream, text: string): string {
  return sanitizeTerminalText(text, { color: colorEnabled(stream) });
}

let loadedYaml: typeof Yaml | undefined;

/** The yaml library, loaded only for `-o yaml` (its CommonJS build is what `import` gets on Node too). */
function yaml(): typeof Yaml {
  loadedYaml ??= createRequire(import.meta.url)('yaml') as typeof Yaml;
  return loadedYaml;
}

/** Left-aligned columns for text tables. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  return rows
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
