import type { createColors } from 'picocolors';

/** A unified diff of state.yml with + lines green, - lines red and hunk headers cyan. */
export function renderStateDiff(diff: string, c: ReturnType<typeof createColors>): string {
  return diff
    .trimEnd()
    .split('\n')
    .map((line) => {
      if (line.startsWith('+++') || line.startsWith('---')) return c.bold(line);
      if (line.startsWith('@@')) return c.cyan(line);
      if (line.startsWith('+')) return c.green(line);
      if (line.startsWith('-')) return c.red(line);
      return line;
    })
    .join('\n');
}
