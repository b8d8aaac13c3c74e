import { Redis } from 'ioredis';
import type { Config } from '../config.ts';
import type { Db } from '../db/database.ts';
import { type DependencyState, within } from '../health.ts';
import type { CacheStore, CacheStoreName } from './contract.ts';
import { PostgresStore } from './postgres-store.ts';
import { RedisStore } from './redis-store.ts';

export interface CacheStoreDeps {
  /** The process's database handle; the Postgres store borrows it and never closes it. */
  db: Db;
}

/**
 * The store CACHE_STORE selects. The Redis store opens its own client (closed by the store's
 * close()): it connects in the background, so a Redis that is down at boot does not stop the
 * process; cache calls fail fast while it is away and /health reports it.
 */
export function createCacheStore(
  config: Pick<Config, 'cacheStore' | 'redisUrl'> & Partial<Pick<Config, 'cacheLimits' | 'redisKeyPrefix'>>,
  { db }: CacheStoreDeps,
): CacheStore {
  if (config.cacheStore === 'postgres') return new PostgresStore(db, config.cacheLimits);
  if (!config.redisUrl) throw new Error('CACHE_STORE is redis but REDIS_URL is not set');
  return new RedisStore(createCacheRedis(config.redisUrl), {
    ownsClient: true,
    limits: config.cacheLimits,
    namespace: config.redisKeyPrefix,
  });
}

/**
 * Auto-pipelining sends the commands issued in one event-loop turn in one write, which is
 * to Redis what GetBatcher is to PostgreSQL. A command waits for at most one reconnection
 * attempt, so a cache outage slows a request by a bounded amount instead of hanging it.
 */
export function createCacheRedis(url: string): Redis {
  const redis = new Redis(url, {
    enableAutoPipelining: true,
    maxRetriesPerRequest: 1,
    connectTimeout: 5000,
    retryStrategy: (times) => Math.min(times * 200, 5000),
  });
  // Connection errors surface through the failed commands and the health probe.
  redis.on('error', () => {});
  return redis;
}

/** The `cache` member of /health: which store is configured and whether it answers. */
export interface CacheHealth {
  store: CacheStoreName;
  state: DependencyState;
}

/** Bounded in time like every health source: a hung store reports `disconnected`. Never throws. */
export async function cacheHealth(store: CacheStore, timeoutMs = 1000): Promise<CacheHealth> {
  try {
    await within(timeoutMs, store.ping());
    return { store: store.name, state: 'connected' };
  } catch {
    return { store: store.name, state: 'disconnected' };
  }
}
