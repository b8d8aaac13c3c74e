import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { matchingKeys, PostgresStore } from '../../src/cache/postgres-store.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { cacheContract, freshCache } from './contract/index.ts';

describe('PostgresStore', () => {
  let tdb: TestDatabase;
  let store: PostgresStore;
  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    store = new PostgresStore(tdb.db);
  });
  afterAll(async () => {
    await store.close();
    await tdb.close();
  });

  const harness = {
    store: () => store,
    expire: async (key: string) => {
      await sql`UPDATE tenantry.cache_entries SET expires_at = now() - interval '1 second' WHERE key = ${key}`.execute(
        tdb.db,
      );
    },
  };

  cacheContract(harness);

  describe('specific to PostgreSQL', () => {
    const expiresAt = async (key: string) =>
      (
        await sql<{ expires_at: Date | null }>`
          SELECT expires_at FROM tenantry.cache_entries WHERE key = ${key}`.execute(tdb.db)
      ).rows[0]?.expires_at;

    it('keeps an entry’s expiry across increments and computes expiry on the server clock', async () => {
      const cache = freshCache(harness);
      await cache.put('n', 1, 3600);
      const before = await expiresAt(`${cache.prefix}n`);
      const { rows } = await sql<{ delta: number }>`
        SELECT extract(epoch FROM ${before} - now())::integer AS delta`.execute(tdb.db);
      expect(rows[0]!.delta).toBeGreaterThan(3500);
      await cache.increment('n');
      expect(await expiresAt(`${cache.prefix}n`)).toEqual(before);
      await cache.increment('fresh');
      expect(await expiresAt(`${cache.prefix}fresh`)).toBeNull();
    });

    it('evicts the least recently written entries first; a rewrite or an increment counts as a write', async () => {
      const cache = freshCache(harness);
      for (const key of ['a', 'b', 'c', 'd']) await cache.put(key, 1, 60);
      await cache.put('a', 2, 60);
      await cache.increment('b');
      const each = Buffer.byteLength(`${cache.prefix}a`) + 1;
      // Newest first: b (incremented), a (rewritten), d, c.
      expect(await store.evict(cache.prefix, 3 * each)).toBe(1);
      expect(await cache.keys()).toEqual(['a', 'b', 'd']);
      expect(await store.evict(cache.prefix, 2 * each)).toBe(1);
      expect(await cache.keys()).toEqual(['a', 'b']);
    });

    it('takes row locks in key order everywhere: batched writes and deletes of the same keys never deadlock', async () => {
      const cache = freshCache(harness);
      const keys = Array.from({ length: 60 }, (_, i) => `k${String(i).padStart(2, '0')}`);
      const failures: unknown[] = [];
      const collect = (results: PromiseSettledResult<unknown>[]) => {
        for (const r of results) if (r.status === 'rejected') failures.push(r.reason);
      };
      for (let round = 0; round < 40; round++) {
        collect(
          await Promise.allSettled([
            ...keys.map((k) => cache.increment(k)),
            ...keys.toReversed().map((k) => cache.put(k, round, 60)),
            store.evict(cache.prefix, 300),
            cache.forgetPattern('k1*'),
            ...keys.map((k) => cache.increment(k)),
          ]),
        );
      }
      expect(failures).toEqual([]);
    });

    it('serves prefix scans from the primary key as a range, LIKE specials and all', async () => {
      const plans: string[] = [];
      for (const [prefix, pattern] of [
        ['tenant_1_', '*'],
        ['tenant_1_', 'client:*'],
        ['tenant_1_', 'a_b%*:x'],
        ['central_', 'k'],
      ] as const) {
        await tdb.db.transaction().execute(async (trx) => {
          // With sequential scans priced out, only a range condition on the key can make the
          // plan an index scan with an Index Cond; a filter over the whole index has none.
          await sql`SET LOCAL enable_seqscan = off`.execute(trx);
          const { rows } = await sql<{ 'QUERY PLAN': string }>`
            EXPLAIN SELECT key FROM tenantry.cache_entries WHERE ${matchingKeys(prefix, pattern)}`.execute(
            trx,
          );
          plans.push(rows.map((r) => r['QUERY PLAN']).join('\n'));
        });
      }
      for (const plan of plans) expect(plan).toMatch(/Index (Only )?Scan (using|on) cache_entries_pkey/);
      expect(plans[0]).toContain("Index Cond: ((key >= 'tenant_1_'::text) AND (key < 'tenant_1`'::text))");
      expect(plans[1]).toContain("(key >= 'tenant_1_client:'::text) AND (key < 'tenant_1_client;'::text)");
      expect(plans[2]).toContain("(key >= 'tenant_1_a_b%'::text) AND (key < 'tenant_1_a_b&'::text)");
      expect(plans[2]).toContain("Filter: (key ~~ 'tenant\\_1\\_a\\_b\\%%:x'::text)");
      expect(plans[3]).toContain("Index Cond: (key = 'central_k'::text)");
    });

    it('does not drain a small pool when many misses compute while holding locks', async () => {
      // The pool has 5 connections; 12 distinct keys compute at once, each querying the database.
      const cache = freshCache(harness);
      const values = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          cache.remember(`k${i}`, 60, async () => {
            const { rows } = await sql<{ n: number }>`SELECT ${i}::integer AS n, pg_sleep(0.05)`.execute(
              tdb.db,
            );
            return rows[0]!.n;
          }),
        ),
      );
      expect(values).toEqual(Array.from({ length: 12 }, (_, i) => i));
      const { rows } = await sql<{ n: number }>`
        SELECT count(*)::integer AS n FROM pg_locks
        WHERE locktype = 'advisory' AND objsubid = 2
          AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`.execute(tdb.db);
      expect(rows[0]!.n).toBe(0);
    });
  });
});
