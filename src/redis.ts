import { Redis } from 'ioredis';
import { type DependencyState, within } from './health.ts';

/** A Redis connection that never queues commands while disconnected, so probes fail fast. */
export function createRedis(url: string): Redis {
  return new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: (times) => Math.min(times * 200, 5000),
  });
}

export async function redisState(redis: Redis | undefined, timeoutMs = 1000): Promise<DependencyState> {
  if (!redis) return 'not_configured';
  try {
    if (redis.status === 'wait') await within(timeoutMs, redis.connect());
    await within(timeoutMs, redis.ping());
    return 'connected';
  } catch {
    return 'disconnected';
  }
}
