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
