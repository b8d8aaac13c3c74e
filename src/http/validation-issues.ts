/** One issue of a failed request validation, as ajv reports it. */
export interface ValidationIssue {
  keyword?: string;
  instancePath: string;
  message?: string;
  params?: Record<string, unknown>;
}

export interface FieldError {
  field: string;
  message: string;
}

const UNION_KEYWORDS = new Set(['anyOf', 'oneOf']);

const listed = (values: unknown[]) => values.map((v) => JSON.stringify(v)).join(', ');

function fieldOf(issue: ValidationIssue): string {
  const missing = issue.params?.missingProperty ?? issue.params?.additionalProperty;
  const pointer = issue.instancePath.replace(/^\//, '').replaceAll('/', '.');
  return [pointer, missing].filter((p) => p !== undefined && p !== '').join('.') || '(root)';
}

const depth = (issue: ValidationIssue) =>
  issue.instancePath === '' ? 0 : issue.instancePath.split('/').length;

/**
 * Turns ajv's issues into the field errors a client reads, and picks the one to name first.
 *
 * - A choice of constants (a union of literals: `status`, `format`) fails once per branch with
 *   "must be equal to constant"; it reads "must be one of "csv", "json"", as an `enum` does.
 * - Where a union failed, each branch reports its own issues. The branch the client meant is
 *   the one that got furthest into what was sent: an issue at a property the client gave
 *   (`latest: must be true` for `{"latest": false}`) over a branch's missing property
 *   (`backup: must have required property`), and over a branch refused only for its type (an
 *   empty array sent for "one job or an array of them" fails the array's minimum, not "must be
 *   object"). Where every branch misses a property, the message names the alternatives.
 * - Repeated entries are listed once, and a union's own failure only when nothing else is.
 */
export function describeIssues(issues: ValidationIssue[]): { first: FieldError; errors: FieldError[] } {
  const unions = new Set(
    issues.filter((i) => UNION_KEYWORDS.has(i.keyword ?? '')).map((i) => i.instancePath),
  );
  const constants = new Map<string, unknown[]>();
  const required = new Map<string, string[]>();
  for (const i of issues) {
    if (i.keyword === 'const' && unions.has(i.instancePath)) {
      constants.set(i.instancePath, [...(constants.get(i.instancePath) ?? []), i.params?.allowedValue]);
    }
    if (i.keyword === 'required' && unions.has(i.instancePath)) {
      required.set(i.instancePath, [
        ...(required.get(i.instancePath) ?? []),
        String(i.params?.missingProperty),
      ]);
    }
  }
  const messageOf = (i: ValidationIssue): string => {
    const choices = i.keyword === 'const' ? constants.get(i.instancePath) : undefined;
    if (choices && choices.length > 1) return `must be one of ${listed(choices)}`;
    if (i.keyword === 'const') return `must be ${JSON.stringify(i.params?.allowedValue)}`;
    if (i.keyword === 'enum' && Array.isArray(i.params?.allowedValues)) {
      return `must be one of ${listed(i.params.allowedValues)}`;
    }
    // Named by the field itself, ajv's "must NOT have additional properties" reads wrongly.
    if (i.keyword === 'additionalProperties') return 'is not a known field here';
    const missing = i.keyword === 'required' ? required.get(i.instancePath) : undefined;
    if (missing && missing.length > 1) {
      const others = missing.filter((m) => m !== i.params?.missingProperty);
      return `is required (or ${others.join(', or ')} instead)`;
    }
    return i.message ?? 'is invalid';
  };

  const noise = (i: ValidationIssue) =>
    UNION_KEYWORDS.has(i.keyword ?? '') || (unions.has(i.instancePath) && i.keyword === 'type');
  let pick = issues.findIndex((i) => !noise(i));
  if (unions.size > 0) {
    for (const [n, i] of issues.entries()) {
      if (!noise(i) && (pick < 0 || depth(i) > depth(issues[pick]!))) pick = n;
    }
  }
  const rendered = issues.map((i) => ({ field: fieldOf(i), message: messageOf(i) }));
  const first = rendered[Math.max(0, pick)] ?? { field: '(root)', message: 'is invalid' };
  const seen = new Set<string>();
  // "must match a schema in anyOf", and a branch refused for its type, say nothing the issues
  // of the branches do not; they are listed only when nothing else is.
  const telling = pick < 0 ? rendered : rendered.filter((_, n) => !noise(issues[n]!));
  const errors = telling.filter((e) => {
    const key = `${e.field}\u0000${e.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return { first, errors };
}
