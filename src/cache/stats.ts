import type { CacheStore, CacheStoreName, ScopeStats } from './contract.ts';
import { cachePrefix } from './keys.ts';

export interface CacheStats {
  store: CacheStoreName;
  /** CACHE_TENANT_MAX_BYTES: the bound the sweep evicts each scope down to (null: none). */
  maxBytes: number | null;
  /** Sums over `scopes`. */
  totals: { entries: number; bytes: number; expired: number };
  /** One row per scope that has entries: central (tenant null) first, then tenants by id. */
  scopes: ScopeStats[];
}

/**
 * Entries, bytes and expired-awaiting-sweep per scope. With `tenant` (an id, or null for
 * central) only that scope is read, through its key range; without it, the whole store is
 * read (a table scan in PostgreSQL, a SCAN of the keyspace in Redis), which is meant for
 * operators, not for a request path.
 */
export async function cacheStats(
  store: CacheStore,
  scope: { tenant?: string | null } = {},
): Promise<CacheStats> {
  const prefix = scope.tenant === undefined ? undefined : cachePrefix(scope.tenant ?? undefined);
  const scopes = (await store.stats(prefix)).sort(byScope);
  const totals = { entries: 0, bytes: 0, expired: 0 };
  for (const s of scopes) {
    totals.entries += s.entries;
    totals.bytes += s.bytes;
    totals.expired += s.expired;
  }
  return { store: store.name, maxBytes: store.limits.scopeBytes, totals, scopes };
}

/** The figures of one scope, zeros when it has no entries. */
export async function scopeStats(store: CacheStore, tenant: string | null): Promise<ScopeStats> {
  const { scopes } = await cacheStats(store, { tenant });
  return scopes[0] ?? { tenant, entries: 0, bytes: 0, expired: 0 };
}

function byScope(a: ScopeStats, b: ScopeStats): number {
  if (a.tenant === b.tenant) return 0;
  if (a.tenant === null) return -1;
  if (b.tenant === null) return 1;
  return a.tenant < b.tenant ? -1 : 1;
}
