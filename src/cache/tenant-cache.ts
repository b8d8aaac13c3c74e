import type { CacheStore } from './contract.ts';
import { deserialize, serialize } from './json.ts';
import { cachePrefix, validateKey, validateKeys } from './keys.ts';
import { checkValueSize } from './limits.ts';
import { rememberText } from './remember.ts';
import { validateStep, validateTtl } from './ttl.ts';

export interface TenantCacheOptions {
  /** How long `remember` waits for another process's computation; see rememberText. */
  rememberWaitMs?: number;
}

export type CacheEntries = Readonly<Record<string, unknown>> | ReadonlyMap<string, unknown>;

/**
 * One scope's view of a store: every key is prefixed with `tenant_<id>_` (or `central_`),
 * so nothing here can read, list or delete another scope's entries. Keys, TTLs and values
 * are validated (and values serialized) before the store is called, so a bad argument
 * rejects with `validation_failed` naming it, and a value larger than the store's
 * CACHE_VALUE_MAX_BYTES with `payload_too_large`; nothing is written. JSON rules: see json.ts.
 */
export class TenantCache {
  readonly prefix: string;

  readonly store: CacheStore;
  /** undefined: the central (tenant-less) scope. */
  readonly tenantId: string | undefined;
  private readonly options: TenantCacheOptions;

  constructor(
    store: CacheStore,
    /** undefined: the central (tenant-less) scope. */
    tenantId: string | undefined,
    options: TenantCacheOptions = {},
  ) {
    this.store = store;
    this.tenantId = tenantId;
    this.options = options;
    this.prefix = cachePrefix(tenantId);
  }

  /** The value at `key`, or `fallback` (undefined when not given) when absent or expired. */
  get<T = unknown>(key: string): Promise<T | undefined>;
  get<T>(key: string, fallback: T): Promise<T>;
  async get<T>(key: string, fallback?: T): Promise<T | undefined> {
    const text = await this.store.get(this.full(key));
    return text === undefined ? fallback : deserialize<T>(text, key);
  }

  async put(key: string, value: unknown, ttlSeconds: number): Promise<void> {
    const full = this.full(key);
    const ttl = validateTtl(ttlSeconds);
    await this.store.put(full, this.encode(value), ttl);
  }

  /** Stores without expiry (it still goes on flush, forget, a crash of an UNLOGGED table, eviction). */
  async forever(key: string, value: unknown): Promise<void> {
    await this.store.put(this.full(key), this.encode(value), null);
  }

  /** Stores only if no live entry exists, atomically; true when it stored. No TTL: no expiry. */
  async add(key: string, value: unknown, ttlSeconds?: number): Promise<boolean> {
    const full = this.full(key);
    const ttl = ttlSeconds === undefined ? null : validateTtl(ttlSeconds);
    return this.store.add(full, this.encode(value), ttl);
  }

  async has(key: string): Promise<boolean> {
    return this.store.has(this.full(key));
  }

  /** True when a live entry was removed. */
  async forget(key: string): Promise<boolean> {
    return this.store.forget(this.full(key));
  }

  /** Removes this scope's entries, and only this scope's; returns how many live ones. */
  async flush(): Promise<number> {
    return this.store.forgetMatching(this.prefix, '*');
  }

  /** Atomic; a missing key starts at 0 (no expiry), an existing one keeps its expiry. */
  async increment(key: string, by = 1): Promise<number> {
    const full = this.full(key);
    return this.store.increment(full, validateStep(by));
  }

  async decrement(key: string, by = 1): Promise<number> {
    const full = this.full(key);
    return this.store.increment(full, -validateStep(by));
  }

  /** The live entries among `keys`, by the caller's key; missing keys are absent from the map. */
  async many<T = unknown>(keys: readonly string[]): Promise<Map<string, T>> {
    const found = await this.store.many(validateKeys(keys).map((k) => this.prefix + k));
    const result = new Map<string, T>();
    for (const key of keys) {
      const text = found.get(this.prefix + key);
      if (text !== undefined) result.set(key, deserialize<T>(text, key));
    }
    return result;
  }

  async putMany(entries: CacheEntries, ttlSeconds: number): Promise<void> {
    const list = entries instanceof Map ? [...entries] : Object.entries(entries);
    const ttl = validateTtl(ttlSeconds);
    const prepared = list.map(
      ([key, value], i) =>
        [
          this.prefix + validateKey(key, `entries[${i}].key`),
          this.encode(value, `entries[${i}].value`),
        ] as const,
    );
    await this.store.putMany(prepared, ttl);
  }

  /** This scope's live keys matching `pattern` (`*` is the only wildcard), sorted. */
  async keys(pattern = '*'): Promise<string[]> {
    const full = await this.store.keys(this.prefix, validateKey(pattern, 'pattern'));
    return full.map((k) => k.slice(this.prefix.length)).sort();
  }

  /** Removes this scope's keys matching `pattern` (`*` is the only wildcard); returns how many. */
  async forgetPattern(pattern: string): Promise<number> {
    return this.store.forgetMatching(this.prefix, validateKey(pattern, 'pattern'));
  }

  /**
   * The entry at `key`, or `compute()`'s result stored for `ttlSeconds`, with one computation
   * for concurrent misses across processes. The result is always the stored JSON read back,
   * so a miss returns exactly what later hits will (a Date comes back as its ISO string).
   */
  async remember<T>(key: string, ttlSeconds: number, compute: () => T | Promise<T>): Promise<T> {
    return this.rememberFor(key, validateTtl(ttlSeconds), compute);
  }

  async rememberForever<T>(key: string, compute: () => T | Promise<T>): Promise<T> {
    return this.rememberFor(key, null, compute);
  }

  private async rememberFor<T>(key: string, ttl: number | null, compute: () => T | Promise<T>): Promise<T> {
    const full = this.full(key);
    const text = await rememberText(
      this.store,
      full,
      ttl,
      async () => this.encode(await compute()),
      this.options.rememberWaitMs,
    );
    return deserialize<T>(text, key);
  }

  /** JSON text within the store's CACHE_VALUE_MAX_BYTES, or a 413 naming `field`. */
  private encode(value: unknown, field = 'value'): string {
    return checkValueSize(serialize(value, field), this.store.limits, field);
  }

  private full(key: string): string {
    return this.prefix + validateKey(key);
  }
}
