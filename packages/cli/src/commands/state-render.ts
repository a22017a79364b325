import pc from 'picocolors';
import { terminalText } from '../output.js';

/** A unified diff, coloured on a terminal (plain with NO_COLOR or when piped). */
export function renderDiff(diff: string): string {
  if (diff === '') return '';
  return diff
    .split('\n')
    .map((line) => {
      if (line.startsWith('+++') || line.startsWith('---')) return pc.bold(line);
      if (line.startsWith('+')) return pc.green(line);
      if (line.startsWith('-')) return pc.red(line);
      if (line.startsWith('@@')) return pc.cyan(line);
      return line;
    })
    .join('\n');
}

/** 1234 → "1.2s", 95000 → "1m35s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  return `${Math.floor(seconds / 60)}m${String(Math.round(seconds % 60)).padStart(2, '0')}s`;
}

/** Notices (lock recovered, waiting for the lock) go to stderr so stdout stays parseable. */
export function notice(message: string): void {
  process.stderr.write(`e: ${terminalText(process.stderr, message)}\n`);
}
