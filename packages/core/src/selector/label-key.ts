import { quote } from '../errors.js';

/**
 * A label key as in Kubernetes: an optional DNS-subdomain prefix and `/`, then a name of letters,
 * digits, `-`, `_`, `.` that starts and ends with a letter or digit (at most 63 characters).
 */
const NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/;
const PREFIX = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

export const LABEL_KEY_PATTERN =
  '^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*/)?[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$';

export function isLabelKey(key: string): boolean {
  const slash = key.indexOf('/');
  if (slash === -1) return NAME.test(key);
  const prefix = key.slice(0, slash);
  return prefix.length <= 253 && PREFIX.test(prefix) && NAME.test(key.slice(slash + 1));
}

/** Why `key` is not a label key, with the likely intended key when punctuation was copied in. */
export function checkLabelKey(key: string): { message: string; hint?: string } | undefined {
  if (isLabelKey(key)) return undefined;
  const message = `invalid label key ${quote(key)}`;
  const cleaned = key.trim().replace(/^["'`]+|["'`,;:]+$/g, '');
  if (cleaned !== key && isLabelKey(cleaned)) {
    return {
      message: `${message} — did you mean "${cleaned}"?`,
      hint: `remove the stray ${JSON.stringify(key.replace(cleaned, ''))}`,
    };
  }
  if (key === '') return { message: 'a label key cannot be empty' };
  return {
    message,
    hint: 'a label key is letters, digits, "-", "_" and "." (starting and ending with a letter or digit), optionally prefixed by "domain/"',
  };
}
