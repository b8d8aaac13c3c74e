import { AppError } from '../errors.ts';
import type { CacheStore } from './contract.ts';

/**
 * What one scope (a tenant, or central) may hold, so no tenant can fill the shared table or
 * Redis at the others' expense. Both are properties of the store as deployed (createCacheStore
 * reads them from config), so every TenantCache over it applies the same ones.
 */
export interface CacheLimits {
  /** Largest value, in UTF-8 bytes of its JSON (CACHE_VALUE_MAX_BYTES); larger ones are refused. */
  readonly valueBytes: number;
  /**
   * Bytes of keys and values one scope keeps (CACHE_TENANT_MAX_BYTES), as `stats` counts them;
   * the sweep evicts a scope's least recently written (PostgreSQL) or least recently used
   * (Redis) entries down to it. null: no bound.
   */
  readonly scopeBytes: number | null;
}

/** Memcached's largest item, and Solid Cache's default max_size. */
export const DEFAULT_CACHE_LIMITS: CacheLimits = Object.freeze({
  valueBytes: 1024 * 1024,
  scopeBytes: 256 * 1024 * 1024,
});

/** Refuses a serialized value over the limit before anything is written. */
export function checkValueSize(json: string, limits: CacheLimits, field = 'value'): string {
  // A JSON text is at most 3 bytes per UTF-16 unit; most values are far under the limit.
  if (json.length * 3 <= limits.valueBytes) return json;
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes <= limits.valueBytes) return json;
  throw new AppError(
    'payload_too_large',
    `${field}: is ${bytes} bytes as JSON; a cache entry holds at most ${limits.valueBytes} (CACHE_VALUE_MAX_BYTES)`,
    { field, bytes, max_bytes: limits.valueBytes },
  );
}

export interface Eviction {
  /** The tenant id, or null for central entries. */
  tenant: string | null;
  /** The scope's bytes (keys and values, as stats counts them) before and after. */
  bytesBefore: number;
  bytesAfter: number;
  /** Entries evicted. */
  evicted: number;
}

/**
 * Brings every scope over the store's `scopeBytes` back under it (CacheStore.evictScopes: the
 * whole store is read, a table scan or a SCAN of Redis); meant for the sweep, not a request path.
 */
export async function evictOverLimit(store: CacheStore): Promise<Eviction[]> {
  const max = store.limits.scopeBytes;
  return max === null ? [] : store.evictScopes(max);
}
