import { beforeEach, describe, expect, it } from 'vitest';
import { TenantCache } from '../../../src/cache/tenant-cache.ts';
import { freshCache, type StoreHarness } from './harness.ts';

/** Characters LIKE or Redis globs would read as wildcards or escapes; here they are literal. */
const SPECIAL_KEYS = [
  '100%',
  '100x',
  'a_b',
  'aXb',
  'a\\b',
  'a\\\\b',
  'a?b',
  '[x]',
  'x',
  'client:*lit',
  '^up',
];

/** keys, forgetPattern and flush: only `*` is a wildcard, and no scope sees another. */
export function scopeContract(h: StoreHarness): void {
  describe('keys and forgetPattern', () => {
    it('lists keys matching a pattern whose only wildcard is *', async () => {
      const cache = freshCache(h);
      for (const key of ['client:1', 'client:2', 'clients:list', 'client:1:appointments', 'employee:9']) {
        await cache.put(key, 1, 60);
      }
      expect(await cache.keys()).toEqual([
        'client:1',
        'client:1:appointments',
        'client:2',
        'clients:list',
        'employee:9',
      ]);
      expect(await cache.keys('client:*')).toEqual(['client:1', 'client:1:appointments', 'client:2']);
      expect(await cache.keys('client:*:appointments')).toEqual(['client:1:appointments']);
      expect(await cache.keys('*:list')).toEqual(['clients:list']);
      expect(await cache.keys('client:1')).toEqual(['client:1']);
      expect(await cache.keys('client:3')).toEqual([]);

      expect(await cache.forgetPattern('client:*')).toBe(3);
      expect(await cache.keys()).toEqual(['clients:list', 'employee:9']);
    });

    it('treats %, _, \\, ?, [, ] and ^ as literal characters', async () => {
      const cache = freshCache(h);
      for (const key of SPECIAL_KEYS) await cache.put(key, key, 60);
      for (const key of SPECIAL_KEYS) {
        expect(await cache.keys(key), `keys(${key})`).toEqual([key]);
      }
      expect(await cache.keys('100*')).toEqual(['100%', '100x']);
      expect(await cache.keys('a*b')).toEqual(['a?b', 'aXb', 'a\\\\b', 'a\\b', 'a_b']);
      expect(await cache.keys('*]')).toEqual(['[x]']);

      expect(await cache.forgetPattern('a_b')).toBe(1);
      expect(await cache.forgetPattern('100%')).toBe(1);
      expect(await cache.forgetPattern('a\\b')).toBe(1);
      expect(await cache.forgetPattern('a?b')).toBe(1);
      expect(await cache.forgetPattern('[x]')).toBe(1);
      expect(await cache.forgetPattern('client:*lit')).toBe(1);
      expect(await cache.keys()).toEqual(['100x', '^up', 'aXb', 'a\\\\b', 'x']);
    });

    it('flushes only its own scope and reports how many entries it removed', async () => {
      const mine = freshCache(h);
      const other = freshCache(h);
      await mine.putMany({ a: 1, b: 2, c: 3 }, 60);
      await other.put('a', 'kept', 60);
      expect(await mine.flush()).toBe(3);
      expect(await mine.keys()).toEqual([]);
      expect(await other.get('a')).toBe('kept');
      expect(await mine.flush()).toBe(0);
    });
  });

  describe('isolation between tenants 1, 10, 1x and central', () => {
    const ids = ['1', '10', '1x', undefined] as const;
    let caches: TenantCache[];

    beforeEach(async () => {
      caches = ids.map((id) => new TenantCache(h.store(), id));
      for (const cache of caches) await cache.flush();
      for (const [i, cache] of caches.entries()) {
        // Keys chosen so that an unescaped `tenant_1_%` LIKE would also match tenant 10's
        // (`tenant_10__k` has `0` where the pattern's `_` sits).
        await cache.putMany({ k: i, _k: i, '0_k': i, 'client:1': i }, 60);
      }
    });

    it('gives each scope its own prefix', () => {
      expect(caches.map((c) => c.prefix)).toEqual(['tenant_1_', 'tenant_10_', 'tenant_1x_', 'central_']);
    });

    it("never lists or reads another scope's keys", async () => {
      for (const [i, cache] of caches.entries()) {
        expect(await cache.keys()).toEqual(['0_k', '_k', 'client:1', 'k']);
        expect(await cache.keys('*k')).toEqual(['0_k', '_k', 'k']);
        expect(await cache.get('k')).toBe(i);
      }
    });

    it('flush and forgetPattern of tenant 1 leave tenant 10, 1x and central alone', async () => {
      const [one, ten, onex, central] = caches as [TenantCache, TenantCache, TenantCache, TenantCache];
      expect(await one.forgetPattern('_*')).toBe(1);
      expect(await one.forgetPattern('*')).toBe(3);
      expect(await one.keys()).toEqual([]);
      for (const [i, cache] of [ten, onex, central].entries()) {
        expect(await cache.keys()).toEqual(['0_k', '_k', 'client:1', 'k']);
        expect(await cache.get('_k')).toBe(i + 1);
      }
      expect(await central.flush()).toBe(4);
      expect(await ten.flush()).toBe(4);
      expect(await onex.keys()).toEqual(['0_k', '_k', 'client:1', 'k']);
    });
  });
}
