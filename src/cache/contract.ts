import { AppError } from '../errors.ts';
import type { CacheLimits, Eviction } from './limits.ts';

/**
 * What a cache backend must do. Stores deal in full keys (`tenant_<id>_<key>`, `central_<key>`)
 * and JSON text; prefixing, validation and (de)serialization live in TenantCache, so both
 * stores see exactly the same inputs and the contract test suite holds them to the same outputs.
 *
 * Invariants every store keeps:
 * - an entry past its expiry is invisible to every read, as if absent;
 * - `ttlSeconds` is a validated whole number ≥ 1, or null for no expiry;
 * - a prefix passed to a scan is literal; a pattern's only wildcard is `*`;
 * - add and increment are atomic against concurrent writers in any process.
 */
export interface CacheStore {
  readonly name: CacheStoreName;
  /** What one scope may hold; TenantCache refuses larger values, the sweep evicts to the bound. */
  readonly limits: CacheLimits;

  get(key: string): Promise<string | undefined>;
  /** The live entries among `keys`; absent keys are absent from the map. */
  many(keys: readonly string[]): Promise<Map<string, string>>;
  has(key: string): Promise<boolean>;

  put(key: string, value: string, ttlSeconds: number | null): Promise<void>;
  putMany(entries: ReadonlyArray<readonly [string, string]>, ttlSeconds: number | null): Promise<void>;
  /** Writes only when no live entry exists; true when it wrote. */
  add(key: string, value: string, ttlSeconds: number | null): Promise<boolean>;
  /**
   * Adds `by` to the integer stored at `key` and returns the result. A missing (or expired)
   * key starts at 0 with no expiry; an existing entry keeps its expiry. A value that is not
   * a 64-bit integer is a `conflict` AppError and stays unchanged. The stored value is an exact
   * 64-bit integer (as Redis keeps one); the number returned is a JavaScript number, exact only
   * within ±(2^53 - 1): past that it is the nearest double (read the entry as text for more).
   */
  increment(key: string, by: number): Promise<number>;

  /** True when a live entry was removed. */
  forget(key: string): Promise<boolean>;
  /** Full keys of live entries under `prefix` matching `pattern` (`*` only), in no particular order. */
  keys(prefix: string, pattern: string): Promise<string[]>;
  /** Removes entries under `prefix` matching `pattern`; returns how many live ones it removed. */
  forgetMatching(prefix: string, pattern: string): Promise<number>;

  /**
   * Makes this caller the one computing `key` across every process sharing the store, or
   * answers undefined when another caller holds it. A holder that dies frees the lock.
   */
  tryLock(key: string): Promise<CacheLock | undefined>;

  /**
   * Removes live entries under `prefix` until what is left takes at most `maxBytes` (as
   * `stats` counts bytes): the least recently written first in PostgreSQL, the least recently
   * used (Redis's idle time) in Redis. Returns how many it removed. An entry rewritten while
   * this runs may stay, and one written meanwhile counts only from the next call.
   */
  evict(prefix: string, maxBytes: number): Promise<number>;
  /**
   * `evict` for every scope over `maxBytes`, reading the whole store once; returns the scopes
   * it trimmed. Each entry's recency is read before the sweep's own reads touch it.
   */
  evictScopes(maxBytes: number): Promise<Eviction[]>;

  /** Per-scope figures for `prefix` (one tenant, `central_`) or, when undefined, every scope. */
  stats(prefix: string | undefined): Promise<ScopeStats[]>;

  /** Resolves when the backend answers a trivial request. */
  ping(): Promise<void>;
  /** Releases what the store itself opened; a caller's pool or client stays open. */
  close(): Promise<void>;
}

export type CacheStoreName = 'postgres' | 'redis';

export interface CacheLock {
  /** Idempotent; never rejects (a lost lock is freed by its lease or session end). */
  release(): Promise<void>;
}

export interface ScopeStats {
  /** The tenant id, or null for central entries. */
  tenant: string | null;
  /** Live entries. */
  entries: number;
  /** UTF-8 bytes of the live entries' keys and JSON values (not storage overhead). */
  bytes: number;
  /** Entries past their expiry still occupying space until the sweep (always 0 in Redis). */
  expired: number;
}

/** The one error both stores raise when increment meets a value that is not a 64-bit integer. */
export function notAnInteger(key: string): AppError {
  return new AppError('conflict', `cache entry "${key}" does not hold a 64-bit integer`, { key });
}
