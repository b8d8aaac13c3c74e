import { AppError } from '../errors.ts';

/**
 * What ioredis throws when the Redis store cannot be reached: a command that used up its one
 * reconnection attempt, one issued on a connection that closed, or one refused while offline
 * (the health probe's client queues nothing). A reply error (WRONGTYPE, OOM) is Redis
 * answering, not an outage, and is not among them.
 */
const OUTAGE_MESSAGES = [
  'Connection is closed',
  "Stream isn't writeable",
  'Reached the max retries per request',
];

export function isCacheStoreOutage(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err.name === 'MaxRetriesPerRequestError') return true;
  return OUTAGE_MESSAGES.some((m) => err.message.includes(m));
}

/** A route's view of a cache store outage: 503 with Retry-After, like the database's. */
export function appErrorFromCacheStore(err: unknown): AppError | undefined {
  if (!isCacheStoreOutage(err)) return undefined;
  return new AppError('unavailable', 'the cache store is not reachable; try again', {
    reason: 'cache_store_unavailable',
  });
}
