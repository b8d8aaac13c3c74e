import { describe, expect, it } from 'vitest';
import { scopeStats } from '../../../src/cache/stats.ts';
import { AppError } from '../../../src/errors.ts';
import { freshCache, type StoreHarness } from './harness.ts';

async function expectTooLarge(work: Promise<unknown>, field: string): Promise<void> {
  const err = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `expected ${field} to be refused as too large`).toBeInstanceOf(AppError);
  expect((err as AppError).code).toBe('payload_too_large');
  expect((err as AppError).extensions.field).toBe(field);
  expect((err as AppError).message).toMatch(
    new RegExp(`^${field.replace(/[[\].]/g, '\\$&')}: is \\d+ bytes`),
  );
}

const bytes = (fullKey: string, json: string) => Buffer.byteLength(fullKey) + Buffer.byteLength(json);

/** What one scope may hold: the value size bound, and eviction down to a byte bound. */
export function limitsContract(h: StoreHarness): void {
  describe('limits', () => {
    it('refuses a value over CACHE_VALUE_MAX_BYTES, in UTF-8 bytes of its JSON, writing nothing', async () => {
      const cache = freshCache(h);
      const max = h.store().limits.valueBytes;
      // JSON adds the two quotes; "é" is two bytes.
      const fits = 'é'.repeat((max - 2) / 2);
      const over = `${fits}x`;
      await cache.put('fits', fits, 60);
      expect(await cache.get('fits')).toBe(fits);
      await expectTooLarge(cache.put('k', over, 60), 'value');
      await expectTooLarge(cache.forever('k', over), 'value');
      await expectTooLarge(cache.add('k', over), 'value');
      await expectTooLarge(cache.putMany({ a: 1, k: over }, 60), 'entries[1].value');
      await expectTooLarge(
        cache.remember('k', 60, () => over),
        'value',
      );
      expect(await cache.keys()).toEqual(['fits']);
    });

    it("evicts a scope's entries down to a byte bound, and only that scope's", async () => {
      const cache = freshCache(h);
      const other = freshCache(h);
      for (const key of ['a', 'b', 'c', 'd']) {
        await cache.put(key, 'v'.repeat(98), 60);
        await other.put(key, 1, 60);
      }
      const each = bytes(`${cache.prefix}a`, `"${'v'.repeat(98)}"`);
      const store = h.store();
      expect(await store.evict(cache.prefix, 2 * each + each / 2)).toBe(2);
      const left = await scopeStats(store, cache.tenantId!);
      expect(left).toMatchObject({ entries: 2, bytes: 2 * each });
      expect(await cache.keys()).toHaveLength(2);
      expect(await other.keys()).toEqual(['a', 'b', 'c', 'd']);
      // Already within the bound: nothing to do.
      expect(await store.evict(cache.prefix, 2 * each)).toBe(0);
      expect(await store.evict(cache.prefix, 0)).toBe(2);
      expect(await cache.keys()).toEqual([]);
    });
  });
}
