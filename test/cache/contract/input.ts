import { describe, expect, it } from 'vitest';
import { MAX_KEY_BYTES } from '../../../src/cache/keys.ts';
import { expectInvalid, freshCache, type StoreHarness } from './harness.ts';

/** Bad keys, TTLs and values fail naming the argument, before anything is written. */
export function inputContract(h: StoreHarness): void {
  describe('bad input', () => {
    it('refuses an empty key, a key over 1 KB, and keys PostgreSQL or UTF-8 cannot hold', async () => {
      const cache = freshCache(h);
      await expectInvalid(cache.put('', 1, 60), 'key', /empty/);
      await expectInvalid(cache.put('k'.repeat(MAX_KEY_BYTES + 1), 1, 60), 'key', /at most 1024 bytes/);
      // 512 two-byte characters are exactly 1 KB; one more is over.
      await cache.put('é'.repeat(512), 'fits', 60);
      await expectInvalid(cache.put('é'.repeat(513), 1, 60), 'key', /got 1026/);
      await expectInvalid(cache.put('a\u0000b', 1, 60), 'key', /NUL/);
      await expectInvalid(cache.put('a\uD800b', 1, 60), 'key', /surrogate/);
      await expectInvalid(cache.get(42 as unknown as string), 'key', /must be a string/);
      await expectInvalid(cache.keys(''), 'pattern');
      await expectInvalid(cache.many(['ok', '']), 'keys[1]');
      expect(await cache.keys()).toEqual(['é'.repeat(512)]);
    });

    it('refuses a negative, zero, fractional or non-numeric TTL', async () => {
      const cache = freshCache(h);
      await expectInvalid(cache.put('k', 1, -5), 'ttlSeconds', /at least 1 second, got -5/);
      await expectInvalid(cache.put('k', 1, 0), 'ttlSeconds', /forever/);
      await expectInvalid(cache.put('k', 1, 1.5), 'ttlSeconds', /whole number of seconds, got 1.5/);
      await expectInvalid(cache.put('k', 1, Number.NaN), 'ttlSeconds');
      await expectInvalid(cache.put('k', 1, '60' as unknown as number), 'ttlSeconds', /got "60"/);
      await expectInvalid(cache.add('k', 1, -1), 'ttlSeconds');
      await expectInvalid(cache.putMany({ k: 1 }, 2.5), 'ttlSeconds');
      await expectInvalid(
        cache.remember('k', -1, () => 1),
        'ttlSeconds',
      );
      await expectInvalid(cache.increment('k', 0.5), 'by');
      expect(await cache.keys()).toEqual([]);
    });

    it('refuses values JSON cannot hold: BigInt, undefined, functions, symbols, cycles', async () => {
      const cache = freshCache(h);
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      await expectInvalid(cache.put('k', 10n, 60), 'value', /BigInt/);
      await expectInvalid(cache.put('k', { nested: [1n] }, 60), 'value', /BigInt/);
      await expectInvalid(cache.put('k', undefined, 60), 'value', /undefined/);
      await expectInvalid(
        cache.forever('k', () => 1),
        'value',
        /function/,
      );
      await expectInvalid(cache.add('k', Symbol('s')), 'value', /symbol/);
      await expectInvalid(cache.put('k', cyclic, 60), 'value', /circular/i);
      await expectInvalid(cache.putMany({ good: 1, bad: 2n }, 60), 'entries[1].value', /BigInt/);
      await expectInvalid(
        cache.remember('k', 60, () => 3n),
        'value',
        /BigInt/,
      );
      expect(await cache.keys()).toEqual([]);
    });
  });

  describe('JSON value rules', () => {
    it('stores a Date as its ISO string and reads the string back', async () => {
      const cache = freshCache(h);
      const at = new Date('2026-03-01T10:20:30.400Z');
      await cache.put('when', { at }, 60);
      expect(await cache.get('when')).toEqual({ at: '2026-03-01T10:20:30.400Z' });
      expect(await cache.remember('remembered', 60, () => at)).toBe('2026-03-01T10:20:30.400Z');
    });

    it('drops undefined properties, nulls undefined array slots, NaN and Infinity', async () => {
      const cache = freshCache(h);
      await cache.put('shape', { a: undefined, b: 1, list: [undefined, Number.NaN, Infinity, 2] }, 60);
      expect(await cache.get('shape')).toEqual({ b: 1, list: [null, null, null, 2] });
      expect(Object.keys((await cache.get<object>('shape'))!)).toEqual(['b', 'list']);
    });

    it('stores Map and Set as empty objects, and honours toJSON', async () => {
      const cache = freshCache(h);
      await cache.put('collections', { m: new Map([[1, 2]]), s: new Set([1]) }, 60);
      expect(await cache.get('collections')).toEqual({ m: {}, s: {} });
      await cache.put('custom', { toJSON: () => ({ id: 7 }) }, 60);
      expect(await cache.get('custom')).toEqual({ id: 7 });
    });
  });
}
