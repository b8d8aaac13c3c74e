import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { RedisStore } from '../../src/cache/redis-store.ts';
import { createCacheRedis } from '../../src/cache/runtime.ts';
import { TenantCache } from '../../src/cache/tenant-cache.ts';
import { cacheContract, freshCache } from './contract/index.ts';

describe.skipIf(!inject('redisUrl'))('RedisStore', () => {
  const redis = createCacheRedis(inject('redisUrl'));
  const store = new RedisStore(redis, { lockLeaseMs: 900 });
  beforeAll(async () => {
    await store.ping();
  });
  afterAll(async () => {
    await redis.quit();
  });

  const harness = {
    store: () => store,
    // A past expiry time makes Redis drop the key at once, as it would at the end of a TTL.
    expire: async (key: string) => void (await redis.pexpireat(key, 1)),
  };

  cacheContract(harness);

  describe('specific to Redis', () => {
    it('keeps a TTL across increments and sets none on a new counter', async () => {
      const cache = freshCache(harness);
      await cache.put('n', 1, 3600);
      await cache.increment('n');
      expect(await redis.ttl(`${cache.prefix}n`)).toBeGreaterThan(3500);
      await cache.increment('fresh');
      expect(await redis.ttl(`${cache.prefix}fresh`)).toBe(-1);
    });

    it('evicts the least recently used entries first (Redis keeps idle times, in seconds)', async () => {
      const cache = freshCache(harness);
      // Strings: Redis shares one object (and so one idle time) among small integer values
      // unless it runs an LRU or LFU maxmemory-policy.
      for (const key of ['a', 'b', 'c']) await cache.put(key, 'x', 60);
      await new Promise((r) => setTimeout(r, 2100));
      expect(await cache.get('a')).toBe('x');
      await cache.put('d', 'x', 60);
      const each = Buffer.byteLength(`${cache.prefix}a`) + 3;
      // a (read) and d (written) were used since; b and c have been idle for two seconds.
      expect(await store.evict(cache.prefix, 2 * each)).toBe(2);
      expect(await cache.keys()).toEqual(['a', 'd']);
    });

    it('renews a held lock past its lease and lets an abandoned one lapse', async () => {
      const key = `${freshCache(harness).prefix}lease`;
      const held = await store.tryLock(key);
      // Over twice the lease: only renewal can have kept it.
      await new Promise((r) => setTimeout(r, 2000));
      expect(await store.tryLock(key)).toBeUndefined();
      await held!.release();

      // An abandoned lock: what a crashed holder leaves behind.
      await redis.set(`tenantry:cache-lock:${key}`, 'someone-else', 'PX', 1000);
      expect(await store.tryLock(key)).toBeUndefined();
      await new Promise((r) => setTimeout(r, 1200));
      const after = await store.tryLock(key);
      expect(after).toBeDefined();
      await after!.release();
    });
  });

  describe('behind a key namespace (REDIS_KEY_PREFIX)', () => {
    const ns = `ns${process.pid}:`;
    const namespaced = new RedisStore(redis, { lockLeaseMs: 900, namespace: ns });
    const nsHarness = {
      store: () => namespaced,
      expire: async (key: string) => void (await redis.pexpireat(ns + key, 1)),
    };

    cacheContract(nsHarness);

    it('writes, scans, flushes, counts, evicts and locks only its own keys', async () => {
      const tenant = `nsx${process.pid}`;
      const inside = new TenantCache(namespaced, tenant);
      const outside = new TenantCache(store, tenant);
      await inside.putMany({ a: 'in', b: 'in' }, 60);
      await outside.putMany({ a: 'out', c: 'out' }, 60);
      expect(await redis.get(`${ns}tenant_${tenant}_a`)).toBe('"in"');
      expect(await inside.keys()).toEqual(['a', 'b']);
      expect(await outside.keys()).toEqual(['a', 'c']);

      const scope = (await namespaced.stats(inside.prefix))[0];
      // Bytes count the key without the namespace, as the store without one (and PostgreSQL) does.
      expect(scope).toEqual({ tenant, entries: 2, bytes: 2 * (`tenant_${tenant}_a`.length + 4), expired: 0 });

      const lock = await namespaced.tryLock(`${inside.prefix}job`);
      expect(await redis.exists(`${ns}tenantry:cache-lock:${inside.prefix}job`)).toBe(1);
      // The store without a namespace locks the same key apart.
      const other = await store.tryLock(`${inside.prefix}job`);
      expect(other).toBeDefined();
      await other!.release();
      await lock!.release();

      expect(await namespaced.evict(inside.prefix, 0)).toBe(2);
      await inside.put('b', 'in', 60);
      expect(await inside.flush()).toBe(1);
      expect(await outside.many(['a', 'c'])).toEqual(
        new Map([
          ['a', 'out'],
          ['c', 'out'],
        ]),
      );
      expect(await outside.flush()).toBe(2);
    });
  });
});
