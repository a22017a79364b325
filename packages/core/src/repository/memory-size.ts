import { quote } from '../errors.js';
/*
 * Memory sizes as the repository file writes them: bytes (`268435456`) or a whole number with a
 * unit, `k`, `M`, `G` (powers of 1000) or `Ki`, `Mi`, `Gi` (powers of 1024), as in Kubernetes.
 */

/** Docker refuses a container memory limit below 6 MiB. */
export const MIN_MEMORY_BYTES = 6 * 1024 * 1024;

/** A size written as a string; the minimum is checked on the parsed value (rules.ts). */
export const MEMORY_SIZE = /^[0-9]+(?:[kMG]|[KMG]i)?$/;

const UNITS: Readonly<Record<string, number>> = {
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
};

/** Largest first, binary before decimal: how a byte count is written back. */
const FORMAT_ORDER = ['Gi', 'G', 'Mi', 'M', 'Ki', 'k'] as const;

/** Bytes of a size written as MEMORY_SIZE allows, or undefined. */
export function parseMemorySize(text: string): number | undefined {
  const match = /^([0-9]+)([kMG]|[KMG]i)?$/.exec(text);
  if (match === null) return undefined;
  return Number(match[1]) * UNITS[match[2] ?? '']!;
}

/** `1073741824` → `1Gi`, `512000000` → `512M`, `1000` → `1k`; bytes when no unit divides it. */
export function formatMemorySize(bytes: number): string {
  for (const unit of FORMAT_ORDER) {
    const size = UNITS[unit]!;
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return String(bytes);
}

const HINT =
  'write a number of bytes (268435456) or a whole number with k, M, G (powers of 1000) or Ki, Mi, Gi (powers of 1024), e.g. 512Mi';

/**
 * The size meant by a spelling from elsewhere (`512m`, `1GB`, `1.5Gi`), read as Docker reads
 * `--memory` (units are powers of 1024), written the way this file wants it; undefined if none.
 */
function meant(text: string): string | undefined {
  const match = /^\s*([0-9]+(?:\.[0-9]+)?)\s*([kmg])?(i?)(b?)\s*$/i.exec(text);
  if (match === null) return undefined;
  const power = { '': 0, k: 1, m: 2, g: 3 }[(match[2] ?? '').toLowerCase()] ?? 0;
  const bytes = Number(match[1]) * 1024 ** power;
  return Number.isSafeInteger(bytes) && bytes >= MIN_MEMORY_BYTES ? formatMemorySize(bytes) : undefined;
}

/** Why `value` is not a memory size the repository file accepts, or undefined when it is one. */
export function memorySizeProblem(value: unknown, got: () => string): { message: string; hint?: string } | undefined {
  const minimum = `${formatMemorySize(MIN_MEMORY_BYTES)} (${MIN_MEMORY_BYTES} bytes)`;
  let bytes: number;
  if (typeof value === 'number') {
    if (!Number.isInteger(value))
      return { message: `memory must be a whole number of bytes, got ${got()}`, hint: HINT };
    bytes = value;
  } else if (typeof value === 'string') {
    const parsed = parseMemorySize(value);
    if (parsed === undefined) {
      const guess = meant(value);
      return {
        message: `invalid memory size ${quote(value)}${guess !== undefined ? ` — did you mean "${guess}"?` : ''}`,
        hint: HINT,
      };
    }
    bytes = parsed;
  } else {
    return { message: `"memory" must be a size such as 512Mi or a number of bytes, got ${got()}`, hint: HINT };
  }
  const written = typeof value === 'number' ? `${value} bytes` : quote(value);
  if (bytes < MIN_MEMORY_BYTES) {
    return {
      message: `memory ${written} is below the minimum, ${minimum}`,
      hint: 'Docker refuses to start a container with less memory',
    };
  }
  if (!Number.isSafeInteger(bytes)) return { message: `memory ${written} is too large` };
  return undefined;
}
