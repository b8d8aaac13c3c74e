import { invalid } from '../errors.ts';
import { isTenantId } from '../tenancy.ts';

/** Longest key a caller may use, in UTF-8 bytes, before the scope prefix is added. */
export const MAX_KEY_BYTES = 1024;

const TENANT_PREFIX = 'tenant_';
const CENTRAL_PREFIX = 'central_';

/**
 * `tenant_<id>_` for a tenant, `central_` without one. A tenant id never contains `_`
 * (see TENANT_ID_PATTERN), so the first `_` after `tenant_` ends the id and no tenant's
 * prefix is a prefix of another's: `tenant_1_` does not begin `tenant_10_` or `tenant_1x_`.
 */
export function cachePrefix(tenantId: string | undefined): string {
  if (tenantId === undefined) return CENTRAL_PREFIX;
  if (!isTenantId(tenantId)) throw invalid('tenant', `"${tenantId}" is not a tenant id`);
  return `${TENANT_PREFIX}${tenantId}_`;
}

/** The scope a full key belongs to: a tenant id, null for central, undefined for a foreign key. */
export function scopeOfKey(fullKey: string): string | null | undefined {
  if (fullKey.startsWith(CENTRAL_PREFIX)) return null;
  if (!fullKey.startsWith(TENANT_PREFIX)) return undefined;
  const end = fullKey.indexOf('_', TENANT_PREFIX.length);
  if (end < 0) return undefined;
  const id = fullKey.slice(TENANT_PREFIX.length, end);
  return isTenantId(id) ? id : undefined;
}

/** The scan patterns that cover every scope, for whole-store statistics. */
export const ALL_SCOPE_PREFIXES = [TENANT_PREFIX, CENTRAL_PREFIX] as const;

const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/**
 * A key (or pattern) is any non-empty string of at most MAX_KEY_BYTES UTF-8 bytes, except
 * that it cannot hold NUL (PostgreSQL text cannot) or a lone surrogate (UTF-8 cannot encode
 * one, so two different keys would collapse into one).
 */
export function validateKey(key: unknown, field = 'key'): string {
  if (typeof key !== 'string') throw invalid(field, `must be a string, got ${describe(key)}`);
  if (key === '') throw invalid(field, 'must not be empty');
  const bytes = Buffer.byteLength(key, 'utf8');
  if (bytes > MAX_KEY_BYTES) throw invalid(field, `must be at most ${MAX_KEY_BYTES} bytes, got ${bytes}`);
  if (key.includes('\u0000')) throw invalid(field, 'must not contain NUL characters');
  if (LONE_SURROGATE.test(key))
    throw invalid(field, 'must be well-formed Unicode (a lone surrogate was found)');
  return key;
}

export function validateKeys(keys: readonly unknown[], field = 'keys'): string[] {
  if (!Array.isArray(keys)) throw invalid(field, `must be an array, got ${describe(keys)}`);
  return keys.map((key, i) => validateKey(key, `${field}[${i}]`));
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? `"${value}"` : typeof value;
}
