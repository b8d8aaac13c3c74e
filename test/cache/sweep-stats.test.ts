import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { evictOverLimit } from '../../src/cache/limits.ts';
import { PostgresStore } from '../../src/cache/postgres-store.ts';
import { RedisStore } from '../../src/cache/redis-store.ts';
import { createCacheRedis } from '../../src/cache/runtime.ts';
import { cacheStats } from '../../src/cache/stats.ts';
import { sweepExpiredEntries } from '../../src/cache/sweep.ts';
import { TenantCache } from '../../src/cache/tenant-cache.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { expectInvalid } from './contract/harness.ts';

const bytes = (key: string, json: string) => Buffer.byteLength(key) + Buffer.byteLength(json);

describe('PostgreSQL sweep and stats', () => {
  let tdb: TestDatabase;
  let store: PostgresStore;
  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    store = new PostgresStore(tdb.db);
    const acme = new TenantCache(store, 'acme');
    await acme.putMany({ live: 'a', old1: 1, old2: 2, old3: 3, old4: 4, old5: 5 }, 3600);
    await acme.forever('counter', 7);
    await new TenantCache(store, 'globex').put('k', [1, 2], 60);
    await new TenantCache(store, undefined).put('site', 'x', 60);
    await sql`UPDATE tenantry.cache_entries SET expires_at = now() - interval '1 minute'
              WHERE key LIKE 'tenant\\_acme\\_old%'`.execute(tdb.db);
  });
  afterAll(async () => {
    await tdb.close();
  });

  it('reports entries, bytes and expired-awaiting-sweep per scope, central first', async () => {
    const stats = await cacheStats(store);
    expect(stats.store).toBe('postgres');
    expect(stats.scopes).toEqual([
      { tenant: null, entries: 1, bytes: bytes('central_site', '"x"'), expired: 0 },
      {
        tenant: 'acme',
        entries: 2,
        bytes: bytes('tenant_acme_live', '"a"') + bytes('tenant_acme_counter', '7'),
        expired: 5,
      },
      { tenant: 'globex', entries: 1, bytes: bytes('tenant_globex_k', '[1,2]'), expired: 0 },
    ]);
    expect(stats.totals.entries).toBe(4);
    expect(stats.totals.expired).toBe(5);
    expect((await cacheStats(store, { tenant: 'globex' })).scopes).toHaveLength(1);
    expect((await cacheStats(store, { tenant: null })).scopes[0]?.tenant).toBeNull();
  });

  it('sweeps expired rows in batches, leaves live ones, and returns how many it removed', async () => {
    expect(await sweepExpiredEntries(tdb.db, { batchSize: 2 })).toBe(5);
    expect(await sweepExpiredEntries(tdb.db, { batchSize: 2 })).toBe(0);
    const { totals } = await cacheStats(store);
    expect(totals).toMatchObject({ entries: 4, expired: 0 });
    expect(await new TenantCache(store, 'acme').keys()).toEqual(['counter', 'live']);
  });

  it('stops after maxBatches and refuses a bad batch size', async () => {
    const cache = new TenantCache(store, 'bulk');
    await cache.putMany(Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`k${i}`, i])), 60);
    await sql`UPDATE tenantry.cache_entries SET expires_at = now() - interval '1 second'
              WHERE key LIKE 'tenant\\_bulk\\_%'`.execute(tdb.db);
    expect(await sweepExpiredEntries(tdb.db, { batchSize: 3, maxBatches: 2 })).toBe(6);
    expect(await sweepExpiredEntries(tdb.db, { batchSize: 3 })).toBe(4);
    await expectInvalid(sweepExpiredEntries(tdb.db, { batchSize: 0 }), 'batchSize');
    await expectInvalid(sweepExpiredEntries(tdb.db, { batchSize: 1.5 }), 'batchSize');
  });
});

describe('eviction of scopes over CACHE_TENANT_MAX_BYTES', () => {
  let tdb: TestDatabase;
  beforeAll(async () => {
    tdb = await cloneTestDatabase();
  });
  afterAll(async () => {
    await tdb.close();
  });

  it('brings every scope over the bound under it, the central one too, and leaves the rest alone', async () => {
    const each = bytes('tenant_big_k0', '"vvvvvvvvvv"');
    const store = new PostgresStore(tdb.db, { valueBytes: 1024 * 1024, scopeBytes: 3 * each });
    const big = new TenantCache(store, 'big');
    for (let i = 0; i < 5; i++) await big.put(`k${i}`, 'v'.repeat(10), 60);
    const small = new TenantCache(store, 'small');
    await small.put('k0', 'v'.repeat(10), 60);
    const central = new TenantCache(store, undefined);
    await central.put('x', 'v'.repeat(200), 60);
    // The central scope is one scope, however its keys look.
    await central.put('site_settings', 'v', 60);
    await central.put('other', 'v', 60);
    expect((await cacheStats(store, {})).scopes.filter((s) => s.tenant === null)).toHaveLength(1);

    const evictions = await evictOverLimit(store);
    expect(evictions.sort((a, b) => String(a.tenant).localeCompare(String(b.tenant)))).toEqual([
      { tenant: 'big', bytesBefore: 5 * each, bytesAfter: 3 * each, evicted: 2 },
      {
        tenant: null,
        bytesBefore:
          bytes('central_x', `"${'v'.repeat(200)}"`) +
          bytes('central_site_settings', '"v"') +
          bytes('central_other', '"v"'),
        bytesAfter: bytes('central_site_settings', '"v"') + bytes('central_other', '"v"'),
        evicted: 1,
      },
    ]);
    expect(await big.keys()).toEqual(['k2', 'k3', 'k4']);
    expect(await small.keys()).toEqual(['k0']);
    expect(await evictOverLimit(store)).toEqual([]);
    // No bound: nothing is read or evicted.
    expect(await evictOverLimit(new PostgresStore(tdb.db, { valueBytes: 1024, scopeBytes: null }))).toEqual(
      [],
    );
  });
});

describe.skipIf(!inject('redisUrl'))('Redis eviction of scopes over the bound', () => {
  // A database of its own: the sweep reads the whole keyspace, and other test files share db 0.
  const url = new URL(inject('redisUrl'));
  url.pathname = '/13';
  const redis = createCacheRedis(url.toString());
  const store = new RedisStore(redis, { limits: { valueBytes: 1024 * 1024, scopeBytes: 4 * 30 } });
  const tenant = `lru-${process.pid}`;
  afterAll(async () => {
    await new TenantCache(store, tenant).flush();
    await new TenantCache(store, 'small').flush();
    await redis.quit();
  });

  it('keeps the most recently used entries of each scope over the bound, idle times read before the sweep touches them', async () => {
    const cache = new TenantCache(store, tenant);
    // Strings of 30 bytes with their keys (small integers would share one idle time).
    const value = (k: string) => 'v'.repeat(30 - Buffer.byteLength(`tenant_${tenant}_${k}`) - 2);
    for (const k of ['k0', 'k1', 'k2', 'k3', 'k4', 'k5']) await cache.put(k, value(k), 60);
    await new TenantCache(store, 'small').put('only', 'x', 60);
    await new Promise((r) => setTimeout(r, 2100));
    await cache.get('k0');
    await cache.get('k4');
    const evictions = await evictOverLimit(store);
    expect(evictions).toEqual([{ tenant, bytesBefore: 6 * 30, bytesAfter: 4 * 30, evicted: 2 }]);
    // k0 and k4 were used since; of the four idle ones, two stay (the scan's order among equals).
    const kept = await cache.keys();
    expect(kept).toHaveLength(4);
    expect(kept).toEqual(expect.arrayContaining(['k0', 'k4']));
    expect(await new TenantCache(store, 'small').keys()).toEqual(['only']);
  });
});

describe.skipIf(!inject('redisUrl'))('Redis stats', () => {
  const redis = createCacheRedis(inject('redisUrl'));
  const store = new RedisStore(redis);
  const tenant = `stats-${process.pid}`;
  afterAll(async () => {
    await new TenantCache(store, tenant).flush();
    await redis.quit();
  });

  it('reports every scope found by SCAN, with nothing awaiting a sweep', async () => {
    const cache = new TenantCache(store, tenant);
    await cache.putMany({ a: 'x', b: { y: 1 } }, 60);
    const stats = await cacheStats(store);
    expect(stats.store).toBe('redis');
    expect(stats.scopes.find((s) => s.tenant === tenant)).toEqual({
      tenant,
      entries: 2,
      bytes: bytes(`tenant_${tenant}_a`, '"x"') + bytes(`tenant_${tenant}_b`, '{"y":1}'),
      expired: 0,
    });
    expect(stats.totals.expired).toBe(0);
  });
});
