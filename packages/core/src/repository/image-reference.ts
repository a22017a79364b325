import { quote } from '../errors.js';

/**
 * Docker image references: `[host[:port]/]path[:tag][@algorithm:digest]`, following the grammar of
 * the distribution project (lower-case path components, tags up to 128 characters).
 */
const HOST_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const HOST = new RegExp(`^(?:${HOST_COMPONENT}(?:\\.${HOST_COMPONENT})*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?$`);
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;
const SHA256 = /^sha256:[a-f0-9]{64}$/;

export interface ImageReference {
  host?: string;
  path: string;
  tag?: string;
  digest?: string;
}

/*
 * The common forms, which every repository file is full of, in one regular expression each: a
 * registry host (or a first path component without "." and ":") and path components, with an
 * optional tag. Anything these do not match is parsed in full; they only ever say yes to what
 * parseImageReference accepts (image-reference.test.ts holds the two together).
 */
const PART = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*';
const QUICK_TAG = '(?::[\\w][\\w.-]{0,127})?';
/** `host/path...[:tag]`: a first component that is a valid host (and, without "." or ":", a valid path component). */
const WITH_HOST = new RegExp(`^[a-z0-9]+(?:[.-][a-z0-9]+)*(?::[0-9]+)?(?:/${PART})+${QUICK_TAG}$`);
/** `path...[:tag]` whose first component has no "." (so it is not a host). */
const WITHOUT_HOST = new RegExp(`^[a-z0-9]+(?:(?:_|__|-+)[a-z0-9]+)*(?:/${PART})*${QUICK_TAG}$`);

/** Whether `ref` is surely a valid image reference (false: parse it to know). */
export function isCommonImageReference(ref: string): boolean {
  return ref.length <= 255 && (WITH_HOST.test(ref) || WITHOUT_HOST.test(ref));
}

/** Why `ref` is not an image reference, or undefined when it is one. */
export function checkImageReference(ref: string): { message: string; hint?: string } | undefined {
  if (isCommonImageReference(ref)) return undefined;
  const parsed = parseImageReference(ref);
  return 'message' in parsed ? parsed : undefined;
}

export function parseImageReference(ref: string): ImageReference | { message: string; hint?: string } {
  const bad = (why: string, hint?: string) => ({
    message: `invalid image reference ${quote(ref)}: ${why}`,
    ...(hint ? { hint } : {}),
  });
  if (ref === '') return bad('it is empty');
  if (/\s/.test(ref)) return bad('it contains whitespace');
  if (ref.includes('://'))
    return bad('a URL scheme is not part of an image reference', `write ${ref.replace(/^[a-z]+:\/\//, '')}`);
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) return bad(`bad digest ${quote(digest)}`, 'a digest looks like sha256:<64 hex digits>');
    if (digest.startsWith('sha256:') && !SHA256.test(digest))
      return bad('a sha256 digest has 64 lower-case hex digits');
  }
  let tag: string | undefined;
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > slash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag))
      return bad(
        `bad tag ${quote(tag)}`,
        'a tag is up to 128 letters, digits, "_", "." and "-", not starting with "." or "-"',
      );
  }
  const parts = rest.split('/');
  let host: string | undefined;
  const first = parts[0]!;
  if (
    parts.length > 1 &&
    (first.includes('.') ||
      first.includes(':') ||
      first === 'localhost' ||
      /[A-Z]/.test(first) ||
      first.startsWith('['))
  ) {
    host = first;
    parts.shift();
    if (!HOST.test(host)) return bad(`bad registry host ${JSON.stringify(host)}`);
  }
  if (parts.length === 0 || parts.some((part) => part === '')) return bad('empty path component');
  for (const part of parts) {
    if (!PATH_COMPONENT.test(part)) {
      return /[A-Z]/.test(part)
        ? bad('repository names must be lower-case', `write ${ref.replace(part, part.toLowerCase())}`)
        : bad(`bad path component ${quote(part)}`);
    }
  }
  const path = parts.join('/');
  if ((host ? host.length + 1 : 0) + path.length > 255) return bad('the name is longer than 255 characters');
  return { ...(host ? { host } : {}), path, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) };
}
