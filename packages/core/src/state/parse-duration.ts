import { quote, StateError } from '../errors.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** The longest duration: Node's timers hold at most 2^31-1 ms (about 24.8 days) and fire at once beyond it. */
export const MAX_DURATION_MS = 2 ** 31 - 1;

/**
 * Parses a duration as terraform's `-lock-timeout` does (`0s`, `30s`, `2m`, `1m30s`, `500ms`);
 * a bare number means seconds. Returns milliseconds, at most MAX_DURATION_MS.
 */
export function parseDuration(text: string, optionName = '--lock-timeout'): number {
  const ms = parse(text, optionName);
  if (ms > MAX_DURATION_MS) {
    throw new StateError(
      'E_DURATION_INVALID',
      `${optionName} ${quote(text.trim())} is longer than e can wait: at most 596h (about 24.8 days).`,
    );
  }
  return ms;
}

function parse(text: string, optionName: string): number {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const parts = [...trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)];
  const consumed = parts.map((p) => p[0]).join('');
  if (parts.length === 0 || consumed !== trimmed) {
    throw new StateError(
      'E_DURATION_INVALID',
      `${optionName} ${quote(text)} is not a duration; use e.g. 0s, 30s, 2m, 1m30s or 500ms.`,
    );
  }
  return Math.round(parts.reduce((sum, p) => sum + Number(p[1]) * (UNIT_MS[p[2] ?? 's'] ?? 1000), 0));
}
