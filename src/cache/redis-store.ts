import type { Redis } from 'ioredis';
import { type CacheLock, type CacheStore, notAnInteger, type ScopeStats } from './contract.ts';
import { ALL_SCOPE_PREFIXES, scopeOfKey } from './keys.ts';
import { type CacheLimits, DEFAULT_CACHE_LIMITS, type Eviction } from './limits.ts';
import { globPattern, isExactPattern } from './pattern.ts';
import { scanEntries, trimScope } from './redis-eviction.ts';
import { RedisLocks } from './redis-locks.ts';

export interface RedisStoreOptions {
  /** Close the client in close(): true when the store created it. */
  ownsClient?: boolean;
  /** Lease of a remember lock; renewed while the computation runs, so only a dead holder lets it lapse. */
  lockLeaseMs?: number;
  /** What one scope may hold (CACHE_VALUE_MAX_BYTES, CACHE_TENANT_MAX_BYTES). */
  limits?: CacheLimits;
  /**
   * REDIS_KEY_PREFIX: put before every key this store writes, scans or locks, so a Redis database
   * shared with other programs (or other Tenantry deployments) never has their keys counted,
   * flushed or evicted as a tenant's. Glob-safe by construction (see config.ts).
   */
  namespace?: string;
}

/** Keys SCAN visits per call: large enough for few round trips, small enough not to stall Redis. */
const SCAN_COUNT = 1000;

/**
 * The cache in Redis under the same full keys as PostgresStore, each behind the store's
 * namespace (empty by default). Expiry is Redis's own, so there is nothing to sweep. Scans walk
 * the keyspace with SCAN and delete with UNLINK (freeing memory off the main thread); KEYS, which
 * blocks the server, is never used. Invariant: every key this class sends to Redis begins with
 * `ns`, and every key it returns has had `ns` taken off, so callers never see the namespace.
 */
export class RedisStore implements CacheStore {
  readonly name = 'redis' as const;
  readonly limits: CacheLimits;
  private readonly locks: RedisLocks;

  private readonly redis: Redis;
  private readonly options: RedisStoreOptions;
  private readonly ns: string;

  constructor(redis: Redis, options: RedisStoreOptions = {}) {
    this.redis = redis;
    this.options = options;
    this.ns = options.namespace ?? '';
    this.limits = options.limits ?? DEFAULT_CACHE_LIMITS;
    this.locks = new RedisLocks(redis, options.lockLeaseMs ?? 15_000, this.ns);
  }

  async get(key: string): Promise<string | undefined> {
    return (await this.redis.get(this.ns + key)) ?? undefined;
  }

  async many(keys: readonly string[]): Promise<Map<string, string>> {
    if (keys.length === 0) return new Map();
    const values = await this.redis.mget(...keys.map((key) => this.ns + key));
    const found = new Map<string, string>();
    keys.forEach((key, i) => {
      const value = values[i];
      if (value !== null && value !== undefined) found.set(key, value);
    });
    return found;
  }

  async has(key: string): Promise<boolean> {
    return (await this.redis.exists(this.ns + key)) === 1;
  }

  async put(key: string, value: string, ttlSeconds: number | null): Promise<void> {
    // A plain SET also clears any previous expiry, which is what `forever` means.
    if (ttlSeconds === null) await this.redis.set(this.ns + key, value);
    else await this.redis.set(this.ns + key, value, 'EX', ttlSeconds);
  }

  async putMany(entries: ReadonlyArray<readonly [string, string]>, ttlSeconds: number | null): Promise<void> {
    if (entries.length === 0) return;
    const tx = this.redis.multi();
    for (const [key, value] of entries) {
      if (ttlSeconds === null) tx.set(this.ns + key, value);
      else tx.set(this.ns + key, value, 'EX', ttlSeconds);
    }
    const results = await tx.exec();
    const failed = results?.find(([err]) => err);
    if (!results || failed) throw failed?.[0] ?? new Error('redis transaction was aborted');
  }

  async add(key: string, value: string, ttlSeconds: number | null): Promise<boolean> {
    const reply =
      ttlSeconds === null
        ? await this.redis.set(this.ns + key, value, 'NX')
        : await this.redis.set(this.ns + key, value, 'EX', ttlSeconds, 'NX');
    return reply === 'OK';
  }

  async increment(key: string, by: number): Promise<number> {
    try {
      // INCRBY is atomic, starts a missing key at 0 without expiry and keeps an existing expiry.
      return await this.redis.incrby(this.ns + key, by);
    } catch (err) {
      if (err instanceof Error && /not an integer|overflow/i.test(err.message)) throw notAnInteger(key);
      throw err;
    }
  }

  async forget(key: string): Promise<boolean> {
    return (await this.redis.unlink(this.ns + key)) === 1;
  }

  async keys(prefix: string, pattern: string): Promise<string[]> {
    if (isExactPattern(pattern)) return (await this.has(prefix + pattern)) ? [prefix + pattern] : [];
    const found = new Set<string>();
    // SCAN may return a key more than once while the table rehashes.
    for await (const batch of this.scan(globPattern(prefix, pattern)))
      for (const key of batch) found.add(key.slice(this.ns.length));
    return [...found];
  }

  async forgetMatching(prefix: string, pattern: string): Promise<number> {
    if (isExactPattern(pattern)) return (await this.forget(prefix + pattern)) ? 1 : 0;
    let removed = 0;
    for await (const batch of this.scan(globPattern(prefix, pattern))) {
      removed += await this.redis.unlink(...batch);
    }
    return removed;
  }

  tryLock(key: string): Promise<CacheLock | undefined> {
    return this.locks.tryLock(key);
  }

  async stats(prefix: string | undefined): Promise<ScopeStats[]> {
    const byScope = new Map<string | null, ScopeStats>();
    for (const head of prefix === undefined ? ALL_SCOPE_PREFIXES : [prefix]) {
      for await (const batch of this.scan(globPattern(head, '*'))) {
        const pipeline = this.redis.pipeline();
        for (const key of batch) pipeline.strlen(key);
        const lengths = (await pipeline.exec()) ?? [];
        batch.forEach((stored, i) => {
          const key = stored.slice(this.ns.length);
          const tenant = scopeOfKey(key);
          const length = lengths[i]?.[1];
          // A key that expired between SCAN and STRLEN answers 0 and is not counted.
          if (tenant === undefined || typeof length !== 'number' || length === 0) return;
          const entry = byScope.get(tenant) ?? { tenant, entries: 0, bytes: 0, expired: 0 };
          entry.entries += 1;
          entry.bytes += Buffer.byteLength(key, 'utf8') + length;
          byScope.set(tenant, entry);
        });
      }
    }
    return [...byScope.values()];
  }

  /** Least recently used first (Redis's idle times; see redis-eviction.ts). */
  async evict(prefix: string, maxBytes: number): Promise<number> {
    const scopes = await scanEntries(this.redis, this.ns, [globPattern(prefix, '*')], () => prefix);
    const entries = scopes.get(prefix) ?? [];
    return (await trimScope(this.redis, null, entries, maxBytes))?.evicted ?? 0;
  }

  /** One SCAN of the whole keyspace, then each scope over the bound trimmed. */
  async evictScopes(maxBytes: number): Promise<Eviction[]> {
    const globs = ALL_SCOPE_PREFIXES.map((head) => globPattern(head, '*'));
    const scopes = await scanEntries(this.redis, this.ns, globs, scopeOfKey);
    const evictions: Eviction[] = [];
    for (const [scope, entries] of scopes) {
      const eviction = await trimScope(this.redis, scope, entries, maxBytes);
      if (eviction) evictions.push(eviction);
    }
    return evictions;
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  async close(): Promise<void> {
    if (this.options.ownsClient) await this.redis.quit().catch(() => this.redis.disconnect());
  }

  /** Non-empty batches of stored keys (namespace included) matching `glob` behind the namespace. */
  private async *scan(glob: string): AsyncGenerator<string[]> {
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', this.ns + glob, 'COUNT', SCAN_COUNT);
      cursor = next;
      if (keys.length > 0) yield keys;
    } while (cursor !== '0');
  }
}
