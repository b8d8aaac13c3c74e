/**
 * The tenant cache: one contract (CacheStore), two stores (PostgresStore on an UNLOGGED
 * table, RedisStore), and TenantCache, which scopes a store to `tenant_<id>_` or `central_`.
 *
 * Startup: `const store = createCacheStore(config, { db }); setDefaultCacheStore(store);`
 * then `tenantCache()` anywhere inside a job or request.
 */
export type { CacheLock, CacheStore, CacheStoreName, ScopeStats } from './contract.ts';
export { notAnInteger } from './contract.ts';
export {
  cacheFor,
  centralCache,
  defaultCacheStore,
  setDefaultCacheStore,
  tenantCache,
} from './default-store.ts';
export { deserialize, serialize } from './json.ts';
export { cachePrefix, MAX_KEY_BYTES, scopeOfKey, validateKey } from './keys.ts';
export { type CacheLimits, DEFAULT_CACHE_LIMITS, type Eviction, evictOverLimit } from './limits.ts';
export { PostgresStore } from './postgres-store.ts';
export { RedisStore, type RedisStoreOptions } from './redis-store.ts';
export { DEFAULT_REMEMBER_WAIT_MS } from './remember.ts';
export { type CacheHealth, cacheHealth, createCacheRedis, createCacheStore } from './runtime.ts';
export { type CacheStats, cacheStats, scopeStats } from './stats.ts';
export { type SweepOptions, sweepExpiredEntries } from './sweep.ts';
export { type CacheEntries, TenantCache, type TenantCacheOptions } from './tenant-cache.ts';
export { CacheTtl, MAX_TTL_SECONDS, validateTtl } from './ttl.ts';
