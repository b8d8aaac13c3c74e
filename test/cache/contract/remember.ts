import { describe, expect, it } from 'vitest';
import { scopeStats } from '../../../src/cache/stats.ts';
import { freshCache, type StoreHarness } from './harness.ts';

/** remember/rememberForever within one process, locks, and per-scope stats. */
export function rememberContract(h: StoreHarness): void {
  describe('remember', () => {
    it('computes on a miss, stores the result, and serves hits without computing', async () => {
      const cache = freshCache(h);
      let calls = 0;
      const compute = async () => {
        calls += 1;
        return { n: calls };
      };
      expect(await cache.remember('r', 60, compute)).toEqual({ n: 1 });
      expect(await cache.remember('r', 60, compute)).toEqual({ n: 1 });
      expect(await cache.get('r')).toEqual({ n: 1 });
      expect(calls).toBe(1);
      await cache.forget('r');
      expect(await cache.rememberForever('r', compute)).toEqual({ n: 2 });
    });

    it('computes once for concurrent misses in one process', async () => {
      const cache = freshCache(h);
      let calls = 0;
      const results = await Promise.all(
        Array.from({ length: 20 }, () =>
          cache.remember('shared', 60, async () => {
            calls += 1;
            await new Promise((r) => setTimeout(r, 20));
            return 'value';
          }),
        ),
      );
      expect(new Set(results)).toEqual(new Set(['value']));
      expect(calls).toBe(1);
    });

    it('treats a stored null as a hit', async () => {
      const cache = freshCache(h);
      let calls = 0;
      const compute = () => {
        calls += 1;
        return null;
      };
      expect(await cache.remember('nothing', 60, compute)).toBeNull();
      expect(await cache.remember('nothing', 60, compute)).toBeNull();
      expect(calls).toBe(1);
    });

    it('stores nothing when the computation throws, and computes again next time', async () => {
      const cache = freshCache(h);
      await expect(
        cache.remember('flaky', 60, () => {
          throw new Error('source down');
        }),
      ).rejects.toThrow('source down');
      expect(await cache.has('flaky')).toBe(false);
      expect(await cache.remember('flaky', 60, () => 'ok')).toBe('ok');
    });

    it('recomputes once the entry has expired', async () => {
      const cache = freshCache(h);
      await cache.remember('r', 60, () => 'old');
      await h.expire(`${cache.prefix}r`);
      expect(await cache.remember('r', 60, () => 'new')).toBe('new');
    });
  });

  describe('locks', () => {
    it('gives a key to one holder at a time and frees it on release', async () => {
      const store = h.store();
      const key = `${freshCache(h).prefix}lock`;
      const first = await store.tryLock(key);
      expect(first).toBeDefined();
      expect(await store.tryLock(key)).toBeUndefined();
      await first!.release();
      await first!.release();
      const again = await store.tryLock(key);
      expect(again).toBeDefined();
      await again!.release();
    });

    it('keeps locks out of the cache scopes', async () => {
      const cache = freshCache(h);
      const lock = await h.store().tryLock(`${cache.prefix}k`);
      expect(await cache.keys()).toEqual([]);
      expect((await scopeStats(h.store(), cache.tenantId!)).entries).toBe(0);
      await lock?.release();
    });
  });

  describe('stats', () => {
    it('counts live entries and their key and value bytes for one scope', async () => {
      const cache = freshCache(h);
      await cache.putMany({ a: 'x', ключ: { ok: true } }, 60);
      await cache.forever('n', 12);
      const bytes = (key: string, json: string) =>
        Buffer.byteLength(cache.prefix + key) + Buffer.byteLength(json);
      expect(await scopeStats(h.store(), cache.tenantId!)).toEqual({
        tenant: cache.tenantId,
        entries: 3,
        bytes: bytes('a', '"x"') + bytes('ключ', '{"ok":true}') + bytes('n', '12'),
        expired: 0,
      });
      expect(await scopeStats(h.store(), 'nobody-here')).toEqual({
        tenant: 'nobody-here',
        entries: 0,
        bytes: 0,
        expired: 0,
      });
    });
  });
}
