import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { cacheFor, centralCache, setDefaultCacheStore, tenantCache } from '../../src/cache/default-store.ts';
import { PostgresStore } from '../../src/cache/postgres-store.ts';
import { RedisStore } from '../../src/cache/redis-store.ts';
import { cacheHealth, createCacheStore } from '../../src/cache/runtime.ts';
import { TenantCache } from '../../src/cache/tenant-cache.ts';
import { CacheTtl } from '../../src/cache/ttl.ts';
import { createDb, createPool } from '../../src/db/database.ts';
import { runInTenant } from '../../src/tenancy.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';

describe('cache wiring', () => {
  let tdb: TestDatabase;
  let store: PostgresStore;
  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    store = new PostgresStore(tdb.db);
  });
  afterEach(() => setDefaultCacheStore(undefined));
  afterAll(async () => {
    await tdb.close();
  });

  it('tenantCache() follows the tenant of the job or request, central outside one', async () => {
    setDefaultCacheStore(store);
    expect(tenantCache().prefix).toBe('central_');
    await runInTenant('acme', async () => {
      expect(tenantCache().prefix).toBe('tenant_acme_');
      await tenantCache().put('settings', { theme: 'dark' }, CacheTtl.long);
      // The scope is read per call, so a cache taken inside a nested scope stays in it.
      await runInTenant(undefined, () => centralCache().put('settings', 'central', CacheTtl.short));
    });
    expect(await cacheFor('acme').get('settings')).toEqual({ theme: 'dark' });
    expect(await tenantCache().get('settings')).toBe('central');
  });

  it('is bound by an application of its own through the package entry', async () => {
    const lib = await import('../../src/index.ts');
    lib.setDefaultCacheStore(lib.createCacheStore(lib.parseConfig({}), { db: tdb.db }));
    await lib.runInTenant('libco', () => lib.tenantCache().put('k', 1, lib.CacheTtl.short));
    expect(await lib.cacheFor('libco').get('k')).toBe(1);
  });

  it('says how to bind a store when none is', () => {
    expect(() => tenantCache()).toThrow(/setDefaultCacheStore/);
    expect(tenantCache(store).tenantId).toBeUndefined();
  });

  it('refuses a scope that is not a tenant id', () => {
    expect(() => new TenantCache(store, 'Acme_1')).toThrow(/tenant: "Acme_1" is not a tenant id/);
  });

  it('offers the TTL presets of the services it replaces', () => {
    expect(CacheTtl).toEqual({ short: 300, medium: 900, long: 3600, day: 86_400 });
  });

  it('creates the store CACHE_STORE names', async () => {
    expect(createCacheStore({ cacheStore: 'postgres', redisUrl: undefined }, { db: tdb.db })).toBeInstanceOf(
      PostgresStore,
    );
    expect(() => createCacheStore({ cacheStore: 'redis', redisUrl: undefined }, { db: tdb.db })).toThrow(
      /REDIS_URL/,
    );
  });

  it('reports the store and whether it answers, for /health', async () => {
    expect(await cacheHealth(store)).toEqual({ store: 'postgres', state: 'connected' });
    const unreachable = createDb(createPool({ connectionString: 'postgres://postgres@127.0.0.1:1/none' }));
    expect(await cacheHealth(new PostgresStore(unreachable))).toEqual({
      store: 'postgres',
      state: 'disconnected',
    });
    await unreachable.destroy();

    const nowhere = createCacheStore(
      { cacheStore: 'redis', redisUrl: 'redis://127.0.0.1:1' },
      { db: tdb.db },
    );
    expect(nowhere).toBeInstanceOf(RedisStore);
    expect(await cacheHealth(nowhere, 500)).toEqual({ store: 'redis', state: 'disconnected' });
    await nowhere.close();
  });

  it.skipIf(!inject('redisUrl'))('reports a reachable Redis store as connected', async () => {
    const redis = createCacheStore({ cacheStore: 'redis', redisUrl: inject('redisUrl') }, { db: tdb.db });
    expect(await cacheHealth(redis)).toEqual({ store: 'redis', state: 'connected' });
    await redis.close();
  });

  it.skipIf(!inject('redisUrl'))(
    'puts REDIS_KEY_PREFIX before every key of the configured Redis store',
    async () => {
      const prefix = `wiring${process.pid}:`;
      const config = { cacheStore: 'redis', redisUrl: inject('redisUrl'), redisKeyPrefix: prefix } as const;
      const namespaced = createCacheStore(config, { db: tdb.db });
      const plain = createCacheStore({ ...config, redisKeyPrefix: '' }, { db: tdb.db });
      const tenant = `wired${process.pid}`;
      await new TenantCache(namespaced, tenant).put('k', 1, 60);
      expect(await new TenantCache(plain, tenant).get('k')).toBeUndefined();
      expect(await plain.get(`${prefix}tenant_${tenant}_k`)).toBe('1');
      expect(await new TenantCache(namespaced, tenant).flush()).toBe(1);
      await namespaced.close();
      await plain.close();
    },
  );
});
