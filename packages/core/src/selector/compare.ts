import type * as Semver from 'semver';
import { lazyRequire } from '../repository/lazy-require.js';
import type { LabelValue } from '../repository/model.js';

const semver = lazyRequire<typeof Semver>('semver');

const NUMBER = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/;
const VERSION_LIKE =
  /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;
/** Semantic Versioning 2.0.0, exactly (no `v` prefix, no leading zeros). */
export const STRICT_SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

/** A finite number written as a number (`5`, `-1.5`, `2e3`), or undefined. */
export function asNumber(value: LabelValue): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string' || !NUMBER.test(value)) return undefined;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : undefined;
}

/**
 * A version-like value as a full semver string: `1.10` → `1.10.0`, `v2` → `2.0.0`,
 * `2.5.1-rc.1` stays. Undefined when the value is not a version.
 */
export function asVersion(value: LabelValue): string | undefined {
  if (typeof value === 'boolean') return undefined;
  const text = String(value);
  const match = VERSION_LIKE.exec(text);
  if (!match) return undefined;
  const [, major, minor = '0', patch = '0', pre = '', build = ''] = match;
  const normalized = `${Number(major)}.${Number(minor)}.${Number(patch)}${pre}${build}`;
  return STRICT_SEMVER.test(normalized) ? normalized : undefined;
}

/** Whether a selector value can be used with gt/ge/lt/le: a number or a version. */
export function isComparableValue(value: LabelValue): boolean {
  return asNumber(value) !== undefined || asVersion(value) !== undefined;
}

/**
 * Orders a label value against a selector value: numerically when the label was written as a
 * number, semver-aware when both are versions (1.10.0 > 1.9.0; `1.10` counts as 1.10.0),
 * numerically when both are numbers; undefined when they cannot be compared.
 */
export function compareLabelValues(label: LabelValue, value: LabelValue): number | undefined {
  if (typeof label === 'number') {
    const n = asNumber(value);
    if (n !== undefined) return Math.sign(label - n);
  }
  const a = asVersion(label);
  const b = asVersion(value);
  if (a !== undefined && b !== undefined) return compareSemver(a, b);
  const x = asNumber(label);
  const y = asNumber(value);
  if (x !== undefined && y !== undefined) return Math.sign(x - y);
  return undefined;
}

/**
 * Orders two module versions by semver precedence (build metadata ignored). Versions that are
 * not semver sort below all that are, then by text, so the order is total and deterministic.
 */
export function compareVersions(a: string, b: string): number {
  const va = strictParts(a) !== NOT_STRICT ? a : asVersion(a);
  const vb = strictParts(b) !== NOT_STRICT ? b : asVersion(b);
  if (va !== undefined && vb !== undefined) return compareSemver(va, vb);
  if (va !== undefined) return 1;
  if (vb !== undefined) return -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A number that may pass Number.MAX_SAFE_INTEGER, where semver's own rules apply. */
const LONG_NUMBER = /\d{16}/;

/** A STRICT_SEMVER version taken apart: major, minor, patch, and the pre-release identifiers. */
interface SemverParts {
  numbers: readonly [number, number, number];
  pre: readonly string[] | undefined;
}
const NOT_STRICT = 0;
/** Strict semver with a number too long for a double (see LONG_NUMBER). */
const TOO_LONG = 1;

/**
 * Versions taken apart by text: sorting a large repository's versions compares the same few
 * version strings many times. Cleared when full, so it stays small.
 */
const strictVersions = new Map<string, SemverParts | typeof NOT_STRICT | typeof TOO_LONG>();
const STRICT_VERSIONS_MAX = 10_000;

function strictParts(version: string): SemverParts | typeof NOT_STRICT | typeof TOO_LONG {
  let parts = strictVersions.get(version);
  if (parts === undefined) {
    const match = STRICT_SEMVER.exec(version);
    parts =
      match === null
        ? NOT_STRICT
        : version.length >= 16 && LONG_NUMBER.test(version)
          ? TOO_LONG
          : { numbers: [Number(match[1]), Number(match[2]), Number(match[3])], pre: match[4]?.split('.') };
    if (strictVersions.size >= STRICT_VERSIONS_MAX) strictVersions.clear();
    strictVersions.set(version, parts);
  }
  return parts;
}

/**
 * `semver.compare(a, b)` for two STRICT_SEMVER strings, without loading semver (its ~40 files
 * cost every command that sorts versions ~20 ms): major, minor and patch numerically, then a
 * pre-release below its release, then pre-release identifiers one by one (numeric ones
 * numerically and below alphanumeric ones, a shorter list first when all else is equal); build
 * metadata ignored. Numbers too long for a double are left to semver.
 */
export function compareSemver(a: string, b: string): number {
  const x = strictParts(a);
  const y = strictParts(b);
  if (typeof x === 'number' || typeof y === 'number') return semver().compare(a, b);
  for (let i = 0; i < 3; i++) {
    const d = x.numbers[i]! - y.numbers[i]!;
    if (d !== 0) return Math.sign(d);
  }
  const ia = x.pre;
  const ib = y.pre;
  if (ia === undefined || ib === undefined) return ia === ib ? 0 : ia === undefined ? 1 : -1;
  for (let i = 0; i < Math.max(ia.length, ib.length); i++) {
    const [ea, eb] = [ia[i], ib[i]];
    if (ea === undefined) return -1;
    if (eb === undefined) return 1;
    if (ea === eb) continue;
    const [na, nb] = [/^\d+$/.test(ea), /^\d+$/.test(eb)];
    if (na && nb) return Math.sign(Number(ea) - Number(eb));
    if (na !== nb) return na ? -1 : 1;
    return ea < eb ? -1 : 1;
  }
  return 0;
}

/** Whether `version` satisfies a node-semver range; false for a non-version or a bad range. */
export function satisfiesRange(version: LabelValue, range: string): boolean {
  const v = asVersion(version);
  if (v === undefined) return false;
  try {
    return semver().satisfies(v, range);
  } catch {
    return false;
  }
}

/**
 * Validity by range text: a large repository repeats the same few ranges thousands of times, and
 * semver parses a range anew on each call. Cleared when full, so it stays small.
 */
const validRanges = new Map<string, boolean>();
const VALID_RANGES_MAX = 1000;

/** Whether `range` is a valid node-semver range (`>=2.5.0 <3`, `^1.2`, `2.x`). */
export function isValidRange(range: string): boolean {
  let valid = validRanges.get(range);
  if (valid === undefined) {
    valid = range.trim() !== '' && semver().validRange(range) !== null;
    if (validRanges.size >= VALID_RANGES_MAX) validRanges.clear();
    validRanges.set(range, valid);
  }
  return valid;
}
