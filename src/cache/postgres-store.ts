import { type RawBuilder, sql } from 'kysely';
import type { Db } from '../db/database.ts';
import { isTenantId } from '../tenancy.ts';
import { AdvisoryLockSession } from './advisory-locks.ts';
import { TurnBatcher } from './batcher.ts';
import type { CacheLock, CacheStore, ScopeStats } from './contract.ts';
import { cachePrefix } from './keys.ts';
import { type CacheLimits, DEFAULT_CACHE_LIMITS, type Eviction } from './limits.ts';
import { isExactPattern, likePattern, literalHead, prefixUpperBound } from './pattern.ts';
import { PostgresIncrements } from './postgres-increment.ts';

/** A row is live while it has no expiry or its expiry is still ahead, on the server's clock. */
const LIVE = sql<boolean>`(expires_at IS NULL OR expires_at > now())`;

/** NULL seconds give a NULL expiry: no expiry. */
const expiresAt = (ttlSeconds: number | null) => sql`now() + ${ttlSeconds}::integer * interval '1 second'`;

type Row = readonly [key: string, value: string, ttlSeconds: number | null];

/**
 * The cache in the UNLOGGED table `tenantry.cache_entries`. Every write is one statement,
 * so add and increment are atomic without explicit transactions; concurrent gets and puts
 * and increments are coalesced into one statement per turn (see TurnBatcher and
 * postgres-increment.ts); expiry is computed and
 * compared on the database's clock only, so processes with skewed clocks agree.
 *
 * As with any pooled access, a read issued before an earlier write has resolved may run
 * on another connection first; await the write to read it back.
 */
export class PostgresStore implements CacheStore {
  readonly name = 'postgres' as const;
  readonly limits: CacheLimits;
  private readonly reads: TurnBatcher<string, string | undefined>;
  private readonly writes: TurnBatcher<Row, void>;
  private readonly locks: AdvisoryLockSession;
  private readonly increments: PostgresIncrements;

  private readonly db: Db;

  constructor(db: Db, limits: CacheLimits = DEFAULT_CACHE_LIMITS) {
    this.db = db;
    this.limits = limits;
    this.reads = new TurnBatcher(async (keys) => {
      const found = await this.fetch([...new Set(keys)]);
      return (key) => found.get(key);
    });
    this.writes = new TurnBatcher(async (rows) => {
      await this.write(rows);
      return () => undefined;
    });
    this.locks = new AdvisoryLockSession(this.db);
    this.increments = new PostgresIncrements(this.db);
  }

  get(key: string): Promise<string | undefined> {
    return this.reads.push(key);
  }

  many(keys: readonly string[]): Promise<Map<string, string>> {
    return keys.length === 0 ? Promise.resolve(new Map()) : this.fetch([...new Set(keys)]);
  }

  private async fetch(keys: string[]): Promise<Map<string, string>> {
    const { rows } = await sql<{ key: string; value: string }>`
      SELECT key, value FROM tenantry.cache_entries
      WHERE key = ANY(${keys}::text[]) AND ${LIVE}`.execute(this.db);
    return new Map(rows.map((r) => [r.key, r.value]));
  }

  async has(key: string): Promise<boolean> {
    const { rows } = await sql<{ found: boolean }>`
      SELECT EXISTS (SELECT FROM tenantry.cache_entries WHERE key = ${key} AND ${LIVE}) AS found`.execute(
      this.db,
    );
    return rows[0]?.found === true;
  }

  put(key: string, value: string, ttlSeconds: number | null): Promise<void> {
    return this.writes.push([key, value, ttlSeconds]);
  }

  async putMany(entries: ReadonlyArray<readonly [string, string]>, ttlSeconds: number | null): Promise<void> {
    await this.write(entries.map(([key, value]) => [key, value, ttlSeconds] as const));
  }

  /**
   * One upsert for all rows. A key given twice keeps its last row (one statement cannot
   * update a row twice, and the later put is the one a caller would see win). Rows are
   * written in key order, so two overlapping writes lock rows in the same order and cannot
   * deadlock each other.
   */
  private async write(rows: readonly Row[]): Promise<void> {
    if (rows.length === 0) return;
    const last = [...new Map(rows.map((row) => [row[0], row])).values()];
    await sql`
      INSERT INTO tenantry.cache_entries (key, value, expires_at)
      SELECT k, v, now() + t * interval '1 second'
      FROM unnest(${last.map((r) => r[0])}::text[], ${last.map((r) => r[1])}::text[],
                  ${last.map((r) => r[2])}::integer[]) AS u (k, v, t)
      ORDER BY k COLLATE "C"
      ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at,
                                      written_at = now()`.execute(this.db);
  }

  async add(key: string, value: string, ttlSeconds: number | null): Promise<boolean> {
    // Inserts, or replaces only an expired row; a live row makes the update's WHERE false and
    // nothing is returned. A concurrent insert of the same key waits for the other to commit.
    const { rows } = await sql`
      INSERT INTO tenantry.cache_entries AS c (key, value, expires_at)
      VALUES (${key}, ${value}, ${expiresAt(ttlSeconds)})
      ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at,
                                      written_at = now()
      WHERE c.expires_at <= now()
      RETURNING 1`.execute(this.db);
    return rows.length === 1;
  }

  increment(key: string, by: number): Promise<number> {
    return this.increments.increment(key, by);
  }

  async forget(key: string): Promise<boolean> {
    const { rows } = await sql<{ live: boolean }>`
      DELETE FROM tenantry.cache_entries WHERE key = ${key} RETURNING ${LIVE} AS live`.execute(this.db);
    return rows[0]?.live === true;
  }

  async keys(prefix: string, pattern: string): Promise<string[]> {
    const { rows } = await sql<{ key: string }>`
      SELECT key FROM tenantry.cache_entries WHERE ${matchingKeys(prefix, pattern)} AND ${LIVE}`.execute(
      this.db,
    );
    return rows.map((r) => r.key);
  }

  async forgetMatching(prefix: string, pattern: string): Promise<number> {
    // Rows are locked in key order, as every write takes them: a delete that took them in scan
    // order could deadlock with a batched upsert of the same keys.
    const { rows } = await sql<{ live: number }>`
      WITH doomed AS (
        SELECT key FROM tenantry.cache_entries WHERE ${matchingKeys(prefix, pattern)}
        ORDER BY key COLLATE "C" FOR UPDATE
      ), gone AS (
        DELETE FROM tenantry.cache_entries c USING doomed WHERE c.key = doomed.key RETURNING c.expires_at
      )
      SELECT (count(*) FILTER (WHERE ${LIVE}))::integer AS live FROM gone`.execute(this.db);
    return rows[0]?.live ?? 0;
  }

  tryLock(key: string): Promise<CacheLock | undefined> {
    return this.locks.tryLock(key);
  }

  async evict(prefix: string, maxBytes: number): Promise<number> {
    return (await this.trim(prefix, maxBytes)).evicted;
  }

  /**
   * Keeps the newest writes whose bytes fit, in one statement: each live entry's running total
   * of itself and everything written after it decides. Rows are locked in key order (as writes
   * take them, so the two cannot deadlock), and matching written_at leaves an entry rewritten
   * since the statement's snapshot (its row is re-checked when it is locked). Returns what it
   * removed and the bytes of what it kept.
   */
  private async trim(prefix: string, maxBytes: number): Promise<{ evicted: number; kept: number }> {
    const { rows } = await sql<{ evicted: number; kept: string }>`
      WITH sized AS (
        SELECT key, written_at, octet_length(key) + octet_length(value) AS bytes
        FROM tenantry.cache_entries WHERE ${matchingKeys(prefix, '*')} AND ${LIVE}
      ), scope AS (
        SELECT key, written_at, bytes, sum(bytes) OVER (ORDER BY written_at DESC, key DESC) AS newer FROM sized
      ), doomed AS (
        SELECT c.key FROM tenantry.cache_entries c JOIN scope s ON c.key = s.key AND c.written_at = s.written_at
        WHERE s.newer > ${maxBytes}::bigint
        ORDER BY c.key COLLATE "C" FOR UPDATE OF c
      ), gone AS (
        DELETE FROM tenantry.cache_entries c USING doomed WHERE c.key = doomed.key
        RETURNING 1
      )
      SELECT (SELECT count(*) FROM gone)::integer AS evicted,
             (SELECT coalesce(sum(bytes), 0) FROM scope WHERE newer <= ${maxBytes}::bigint)::bigint AS kept`.execute(
      this.db,
    );
    return { evicted: rows[0]?.evicted ?? 0, kept: Number(rows[0]?.kept ?? 0) };
  }

  async stats(prefix: string | undefined): Promise<ScopeStats[]> {
    const where = prefix === undefined ? sql`TRUE` : matchingKeys(prefix, '*');
    const { rows } = await sql<{ kind: string; id: string; entries: number; bytes: string; expired: number }>`
      SELECT split_part(key, '_', 1) AS kind,
             -- A tenant's id; the central scope is one scope whatever its keys hold.
             CASE WHEN split_part(key, '_', 1) = 'tenant' THEN split_part(key, '_', 2) ELSE '' END AS id,
             (count(*) FILTER (WHERE ${LIVE}))::integer AS entries,
             coalesce(sum(octet_length(key) + octet_length(value)) FILTER (WHERE ${LIVE}), 0)::bigint AS bytes,
             (count(*) FILTER (WHERE NOT ${LIVE}))::integer AS expired
      FROM tenantry.cache_entries WHERE ${where}
      GROUP BY 1, 2`.execute(this.db);
    return rows.flatMap(({ kind, id, entries, bytes, expired }): ScopeStats[] => {
      const tenant = kind === 'central' ? null : kind === 'tenant' && isTenantId(id) ? id : undefined;
      return tenant === undefined ? [] : [{ tenant, entries, bytes: Number(bytes), expired }];
    });
  }

  /** The scopes over the bound from one grouped read of the table, then each trimmed. */
  async evictScopes(maxBytes: number): Promise<Eviction[]> {
    const evictions: Eviction[] = [];
    for (const scope of (await this.stats(undefined)).filter((s) => s.bytes > maxBytes)) {
      const { evicted, kept } = await this.trim(cachePrefix(scope.tenant ?? undefined), maxBytes);
      evictions.push({ tenant: scope.tenant, bytesBefore: scope.bytes, bytesAfter: kept, evicted });
    }
    return evictions;
  }

  async ping(): Promise<void> {
    await sql`SELECT 1`.execute(this.db);
  }

  /** The pool belongs to the caller; locks are session-scoped and end with their connection. */
  async close(): Promise<void> {}
}

/**
 * Keys under `prefix` matching `pattern`, as an index range on the literal head (COLLATE "C"
 * makes the range exactly "starts with") plus, when the pattern has more than a trailing
 * `*`, an escaped LIKE for the rest.
 */
export function matchingKeys(prefix: string, pattern: string): RawBuilder<unknown> {
  if (isExactPattern(pattern)) return sql`key = ${prefix + pattern}`;
  const head = literalHead(prefix, pattern);
  const upper = prefixUpperBound(head);
  const range = upper === undefined ? sql`key >= ${head}` : sql`key >= ${head} AND key < ${upper}`;
  const onlyTrailingStar = pattern.indexOf('*') === pattern.length - 1;
  return onlyTrailingStar ? range : sql`${range} AND key LIKE ${likePattern(prefix, pattern)} ESCAPE '\\'`;
}
