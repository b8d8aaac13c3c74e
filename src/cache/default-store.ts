import { AppError } from '../errors.ts';
import { currentTenant } from '../tenancy.ts';
import type { CacheStore } from './contract.ts';
import { TenantCache, type TenantCacheOptions } from './tenant-cache.ts';

/**
 * The process's cache store, bound once at startup (after createCacheStore) so code deep in
 * a job or request can call `tenantCache()` without threading the store through. Code that
 * has the store at hand (tests, the HTTP routes, the CLI) passes it explicitly instead.
 */
let defaultStore: CacheStore | undefined;
let defaultOptions: TenantCacheOptions = {};

export function setDefaultCacheStore(store: CacheStore | undefined, options: TenantCacheOptions = {}): void {
  defaultStore = store;
  defaultOptions = options;
}

export function defaultCacheStore(): CacheStore {
  if (!defaultStore) {
    throw new AppError(
      'internal',
      'no cache store is configured: call setDefaultCacheStore(createCacheStore(...)) at startup',
    );
  }
  return defaultStore;
}

/**
 * The cache of the current tenant (AsyncLocalStorage: the job or request being handled), or
 * the central cache outside any tenant. Read the scope when called, so keep the result
 * within the same job or request.
 */
export function tenantCache(store: CacheStore = defaultCacheStore()): TenantCache {
  return new TenantCache(store, currentTenant(), defaultOptions);
}

/** A named tenant's cache (undefined: central), for operators and cross-tenant maintenance. */
export function cacheFor(tenantId: string | undefined, store: CacheStore = defaultCacheStore()): TenantCache {
  return new TenantCache(store, tenantId, defaultOptions);
}

/** The central (tenant-less) cache, whatever the current scope. */
export function centralCache(store: CacheStore = defaultCacheStore()): TenantCache {
  return new TenantCache(store, undefined, defaultOptions);
}
