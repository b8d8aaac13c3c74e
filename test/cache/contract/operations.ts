import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src/errors.ts';
import { freshCache, type StoreHarness } from './harness.ts';

/** Reads, writes, atomic add/increment and expiry: the same answers from every store. */
export function operationContract(h: StoreHarness): void {
  describe('reads and writes', () => {
    it('answers undefined, or the fallback, for a missing key', async () => {
      const cache = freshCache(h);
      expect(await cache.get('nope')).toBeUndefined();
      expect(await cache.get('nope', 42)).toBe(42);
      expect(await cache.has('nope')).toBe(false);
    });

    it('round-trips JSON values and overwrites on put', async () => {
      const cache = freshCache(h);
      const value = { name: 'Ana', tags: ['a', 'b'], nested: { n: 1.5, ok: true, none: null }, 'z-first': 1 };
      await cache.put('client:1', value, 60);
      expect(await cache.get('client:1')).toEqual(value);
      // Object key order is kept: values are stored as text, not re-ordered.
      expect(Object.keys((await cache.get<Record<string, unknown>>('client:1'))!)).toEqual(
        Object.keys(value),
      );
      await cache.put('client:1', 'replaced', 60);
      expect(await cache.get('client:1')).toBe('replaced');
      await cache.put('ünïcødé 🔑', [1, '✓'], 60);
      expect(await cache.get('ünïcødé 🔑')).toEqual([1, '✓']);
    });

    it('keeps null as a value, distinct from a miss', async () => {
      const cache = freshCache(h);
      await cache.forever('empty', null);
      expect(await cache.get('empty', 'fallback')).toBeNull();
      expect(await cache.has('empty')).toBe(true);
    });

    it('forgets a key, answering whether a live entry was removed', async () => {
      const cache = freshCache(h);
      await cache.put('k', 1, 60);
      expect(await cache.forget('k')).toBe(true);
      expect(await cache.forget('k')).toBe(false);
      expect(await cache.has('k')).toBe(false);
    });

    it('reads many keys at once and writes many in one call', async () => {
      const cache = freshCache(h);
      await cache.putMany({ a: 1, b: { x: 'y' } }, 60);
      await cache.putMany(new Map<string, unknown>([['c', [3]]]), 60);
      const found = await cache.many(['a', 'b', 'c', 'missing', 'a']);
      expect([...found.entries()]).toEqual([
        ['a', 1],
        ['b', { x: 'y' }],
        ['c', [3]],
      ]);
      expect((await cache.many([])).size).toBe(0);
    });

    it('lets the last of concurrent puts to one key win, and keeps each TTL with its own key', async () => {
      const cache = freshCache(h);
      await Promise.all([
        cache.put('k', 1, 60),
        cache.put('other', 'x', 60),
        cache.put('k', 2, 60),
        cache.forever('k', 3),
        cache.put('short', 's', 1),
      ]);
      expect(await cache.many(['k', 'other', 'short'])).toEqual(
        new Map<string, unknown>([
          ['k', 3],
          ['other', 'x'],
          ['short', 's'],
        ]),
      );
    });

    it('answers concurrent reads of the same and different keys each with its own value', async () => {
      const cache = freshCache(h);
      await cache.putMany(Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, i])), 60);
      const keys = Array.from({ length: 60 }, (_, i) => `k${i % 25}`);
      const values = await Promise.all(keys.map((k) => cache.get(k)));
      expect(values).toEqual(keys.map((_, i) => (i % 25 < 20 ? i % 25 : undefined)));
    });
  });

  describe('add', () => {
    it('writes only when the key is absent', async () => {
      const cache = freshCache(h);
      expect(await cache.add('once', 'first', 60)).toBe(true);
      expect(await cache.add('once', 'second', 60)).toBe(false);
      expect(await cache.get('once')).toBe('first');
      expect(await cache.add('no-ttl', 'kept')).toBe(true);
      expect(await cache.add('no-ttl', 'other')).toBe(false);
      expect(await cache.get('no-ttl')).toBe('kept');
    });

    it('lets exactly one of many concurrent adds win', async () => {
      const cache = freshCache(h);
      const results = await Promise.all(Array.from({ length: 25 }, (_, i) => cache.add('race', i, 60)));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await cache.get('race')).toBe(results.indexOf(true));
    });
  });

  describe('increment and decrement', () => {
    it('starts a missing key at 0 and steps by the amount given', async () => {
      const cache = freshCache(h);
      expect(await cache.increment('hits')).toBe(1);
      expect(await cache.increment('hits', 10)).toBe(11);
      expect(await cache.decrement('hits', 4)).toBe(7);
      expect(await cache.decrement('gone')).toBe(-1);
      expect(await cache.get('hits')).toBe(7);
    });

    it('loses no update under concurrency, and answers each caller with the value its own step made', async () => {
      const cache = freshCache(h);
      const answers = await Promise.all(Array.from({ length: 50 }, () => cache.increment('n')));
      expect(await cache.get('n')).toBe(50);
      expect(answers.toSorted((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      // Steps of different sizes on several keys at once: each answer is its own running total.
      const mixed = await Promise.all([
        cache.increment('m', 5),
        cache.increment('other', 2),
        cache.decrement('m', 2),
        cache.increment('m', 10),
        cache.increment('other', 3),
      ]);
      expect(await cache.get('m')).toBe(13);
      expect(await cache.get('other')).toBe(5);
      // Issued together from one process, the steps apply in the order they were issued.
      expect(mixed).toEqual([5, 2, 3, 13, 5]);
    });

    it('refuses only the callers whose own step fails when steps are issued together', async () => {
      const cache = freshCache(h);
      await cache.put('text', 'seven', 60);
      await cache.forever('edge', 9.214e18);
      const [a, text, b, edgeOk, edgeOver] = await Promise.allSettled([
        cache.increment('a'),
        cache.increment('text'),
        cache.increment('a', 2),
        cache.increment('edge', 9e15),
        // Past the largest 64-bit integer only with the step before it.
        cache.increment('edge', 9e15),
      ]);
      expect(a).toMatchObject({ status: 'fulfilled' });
      expect(b).toMatchObject({ status: 'fulfilled' });
      expect(await cache.get('a')).toBe(3);
      expect(text).toMatchObject({ status: 'rejected', reason: { code: 'conflict' } });
      expect(await cache.get('text')).toBe('seven');
      expect(edgeOk).toMatchObject({ status: 'fulfilled', value: 9.223e18 });
      expect(edgeOver).toMatchObject({ status: 'rejected', reason: { code: 'conflict' } });
      expect(await cache.get('edge')).toBe(9.223e18);
    });

    it('refuses a value that is not an integer and leaves it unchanged', async () => {
      const cache = freshCache(h);
      for (const value of ['7', 1.5, { n: 1 }, null]) {
        await cache.put('odd', value, 60);
        const err = await cache.increment('odd').catch((e: unknown) => e);
        expect(err).toBeInstanceOf(AppError);
        expect((err as AppError).code).toBe('conflict');
        expect(await cache.get('odd')).toEqual(value);
      }
    });

    it("refuses a step whose own running total leaves 64-bit integers, though the turn's sum would not", async () => {
      const cache = freshCache(h);
      // 807 below the largest 64-bit integer.
      await cache.forever('top', 9223372036854775000);
      const [up, down] = await Promise.allSettled([
        cache.increment('top', 1000),
        cache.decrement('top', 1000),
      ]);
      expect(up).toMatchObject({ status: 'rejected', reason: { code: 'conflict' } });
      expect(down).toMatchObject({ status: 'fulfilled' });
      expect(await cache.get('top')).toBe(9223372036854774000);
    });

    it('refuses values and sums outside 64-bit integers without changing the value', async () => {
      const cache = freshCache(h);
      await cache.forever('huge', 9.3e18);
      await expect(cache.increment('huge')).rejects.toMatchObject({ code: 'conflict' });
      await cache.forever('near', 9.2e18);
      await cache.increment('near', 9e15);
      await cache.increment('near', 9e15);
      await expect(cache.increment('near', 9e15)).rejects.toMatchObject({ code: 'conflict' });
      expect(await cache.get('near')).toBe(9.218e18);
    });
  });

  describe('expiry', () => {
    it('hides an expired entry from every read and lets writers treat it as absent', async () => {
      const cache = freshCache(h);
      for (const key of ['a', 'b', 'c', 'n']) await cache.put(key, key === 'n' ? 40 : key, 60);
      for (const key of ['a', 'b', 'c', 'n']) await h.expire(cache.prefix + key);
      expect(await cache.get('a')).toBeUndefined();
      expect(await cache.get('a', 'fallback')).toBe('fallback');
      expect(await cache.has('b')).toBe(false);
      expect((await cache.many(['a', 'b'])).size).toBe(0);
      expect(await cache.keys()).toEqual([]);
      expect(await cache.forget('c')).toBe(false);
      expect(await cache.add('a', 'again', 60)).toBe(true);
      expect(await cache.get('a')).toBe('again');
      expect(await cache.increment('n')).toBe(1);
      expect(await cache.flush()).toBe(2);
    });

    it('forever replaces an entry that had a TTL, and put gives it one again', async () => {
      const cache = freshCache(h);
      await cache.put('k', 1, 60);
      await cache.forever('k', 2);
      expect(await cache.get('k')).toBe(2);
      await cache.put('k', 3, 60);
      await h.expire(`${cache.prefix}k`);
      expect(await cache.has('k')).toBe(false);
    });
  });
}
