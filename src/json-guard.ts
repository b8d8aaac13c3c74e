/**
 * What PostgreSQL or JSON would silently change or refuse later, found up front so the caller
 * gets a 4xx naming the field: NUL characters (text and jsonb refuse them), lone UTF-16
 * surrogates (not encodable as UTF-8), non-finite numbers (JSON has none; `1e309` parses to
 * Infinity and would be stored as null) and nesting deeper than MAX_DEPTH.
 */
export const MAX_DEPTH = 32;

export interface JsonProblem {
  /** Dotted path from the root, e.g. `payload.items.3.name`; '' for the root itself. */
  path: string;
  message: string;
}

export function stringProblem(value: string): string | undefined {
  if (value.includes('\u0000')) return 'must not contain NUL characters';
  if (!value.isWellFormed()) return 'must not contain unpaired UTF-16 surrogates';
  return undefined;
}

const join = (path: string, key: string | number) => (path === '' ? String(key) : `${path}.${key}`);

/** The first problem in a parsed JSON value, depth-first; undefined when it is clean. */
export function findJsonProblem(value: unknown, path = '', depth = 0): JsonProblem | undefined {
  if (typeof value === 'string') {
    const message = stringProblem(value);
    return message ? { path, message } : undefined;
  }
  if (typeof value === 'number') {
    return Number.isFinite(value) ? undefined : { path, message: 'must be a finite number' };
  }
  if (typeof value !== 'object' || value === null) return undefined;
  if (depth >= MAX_DEPTH) return { path, message: `nests deeper than ${MAX_DEPTH} levels` };
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const problem = findJsonProblem(value[i], join(path, i), depth + 1);
      if (problem) return problem;
    }
    return undefined;
  }
  for (const [key, member] of Object.entries(value)) {
    const keyMessage = stringProblem(key);
    if (keyMessage) return { path: join(path, JSON.stringify(key)), message: `has a key that ${keyMessage}` };
    const problem = findJsonProblem(member, join(path, key), depth + 1);
    if (problem) return problem;
  }
  return undefined;
}

/**
 * Nesting depth of raw JSON text, without parsing it (a deeply nested document would exhaust
 * the parser's stack or ours). Brackets inside strings do not count.
 */
export function jsonTextTooDeep(text: string, max = MAX_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/** Size of a value as stored (UTF-8 JSON). */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value ?? null), 'utf8');
}
