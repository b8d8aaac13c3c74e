import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { RedisStore } from '../../src/cache/redis-store.ts';
import { createCacheRedis } from '../../src/cache/runtime.ts';
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
});
