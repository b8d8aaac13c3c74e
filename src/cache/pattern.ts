/**
 * Key patterns: `*` matches any run of characters and is the only wildcard. Everything else
 * is literal, including the characters LIKE (`%`, `_`, `\`) and Redis globs (`?`, `[`, `]`,
 * `\`) treat specially, so each backend gets an escaped translation. The scope prefix is
 * always literal and always leads.
 */

/** Literal pieces between the `*`s; `a*b` gives ['a', 'b'], `*` gives ['', '']. */
function literals(pattern: string): string[] {
  return pattern.split('*');
}

/** The fixed beginning every match shares: the prefix plus the pattern up to its first `*`. */
export function literalHead(prefix: string, pattern: string): string {
  return prefix + (literals(pattern)[0] ?? '');
}

/** True when the pattern has no wildcard, so it names exactly one key. */
export function isExactPattern(pattern: string): boolean {
  return !pattern.includes('*');
}

/** A LIKE pattern with `\` as the escape character (PostgreSQL's default, also stated in the query). */
export function likePattern(prefix: string, pattern: string): string {
  const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);
  return escapeLike(prefix) + literals(pattern).map(escapeLike).join('%');
}

/** A Redis SCAN MATCH glob: every glob special escaped with `\`. */
export function globPattern(prefix: string, pattern: string): string {
  const escapeGlob = (s: string) => s.replace(/[\\*?[\]^]/g, (c) => `\\${c}`);
  return escapeGlob(prefix) + literals(pattern).map(escapeGlob).join('*');
}

const MAX_CODE_POINT = 0x10ffff;

/**
 * The least string greater than every string that starts with `head`, in code point order
 * (what COLLATE "C" gives over UTF-8), or undefined when none exists. With it, "starts with
 * head" becomes the index range `key >= head AND key < bound` on any PostgreSQL version
 * and any plan, generic or custom.
 */
export function prefixUpperBound(head: string): string | undefined {
  const points = Array.from(head, (c) => c.codePointAt(0)!);
  while (points.length > 0) {
    const last = points.pop()!;
    if (last < MAX_CODE_POINT) {
      // Code points in the surrogate block cannot be encoded; the next encodable one is U+E000.
      const next = last + 1 === 0xd800 ? 0xe000 : last + 1;
      return String.fromCodePoint(...points, next);
    }
  }
  return undefined;
}
