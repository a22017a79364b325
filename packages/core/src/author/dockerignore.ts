/** One line of a .dockerignore file, compiled. */
interface IgnoreRule {
  pattern: RegExp;
  /** `!pattern`: brings back what an earlier rule excluded. */
  exception: boolean;
  /** The pattern's text up to its first wildcard: a directory below which an exception may apply. */
  literalPrefix: string;
}

/**
 * The paths of a build context that `.dockerignore` keeps, with Docker's rules: patterns are
 * matched against the whole path relative to the context (`*` and `?` within one segment, `**` any
 * number of segments), a path is excluded when it or one of its parent directories matches, and
 * the last matching line wins (`!` lines re-include). Pure: the caller lists the directory.
 */
export class DockerIgnore {
  readonly #rules: IgnoreRule[];

  constructor(text: string) {
    this.#rules = [];
    for (const raw of text.split(/\r?\n/)) {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) continue;
      const exception = line.startsWith('!');
      const cleaned = clean(exception ? line.slice(1).trim() : line);
      if (cleaned === '') continue;
      this.#rules.push({ pattern: compile(cleaned), exception, literalPrefix: cleaned.split(/[*?[\\]/)[0] ?? '' });
    }
  }

  /** Whether the file or directory at `path` (relative, `/`-separated) is left out of the context. */
  excludes(path: string): boolean {
    const candidates = [path];
    for (let i = path.indexOf('/'); i !== -1; i = path.indexOf('/', i + 1)) candidates.push(path.slice(0, i));
    let excluded = false;
    for (const rule of this.#rules) {
      if (candidates.some((candidate) => rule.pattern.test(candidate))) excluded = !rule.exception;
    }
    return excluded;
  }

  /** Whether anything below the excluded directory `dir` could be brought back by an exception. */
  mayIncludeBelow(dir: string): boolean {
    return this.#rules.some(
      (rule) =>
        rule.exception &&
        (rule.literalPrefix === '' || rule.literalPrefix.startsWith(`${dir}/`) || dir.startsWith(rule.literalPrefix)),
    );
  }
}

/** `./a//b/` → `a/b`, as Go's filepath.Clean does for these patterns. */
function clean(pattern: string): string {
  const parts: string[] = [];
  for (const part of pattern.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return parts.join('/');
}

function compile(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '*' && pattern[i + 1] === '*') {
      // `**/` matches zero or more whole directories; a trailing `**` anything below
      i++;
      if (pattern[i + 1] === '/') {
        i++;
        source += '(?:.*/)?';
      } else source += '.*';
    } else if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else if (c === '\\' && i + 1 < pattern.length) source += escapeRegExp(pattern[++i] as string);
    else source += escapeRegExp(c);
  }
  return new RegExp(`^${source}$`);
}

function escapeRegExp(c: string): string {
  return /[.+^${}()|[\]\\]/.test(c) ? `\\${c}` : c;
}
