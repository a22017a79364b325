import { createRequire } from 'node:module';
import { sanitizeTerminalText } from '@e/core/terminal';
import type * as Yaml from 'yaml';
import { colorEnabled } from './progress.js';

export type OutputFormat = 'text' | 'json' | 'yaml';

/**
 * Prints a command's result in the format the user chose: `text` calls the renderer, `json` and
 * `yaml` print the data itself so scripts get every field. Text often quotes what modules wrote
 * (state.yml, statuses, output), so it reaches the terminal through terminalText.
 */
export function emit(format: OutputFormat, data: unknown, renderText: () => string): void {
  const out =
    format === 'json'
      ? `${JSON.stringify(data, null, 2)}\n`
      : format === 'yaml'
        ? yaml().stringify(data)
        : terminalText(process.stdout, renderText());
  process.stdout.write(out.endsWith('\n') || out === '' ? out : `${out}\n`);
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
