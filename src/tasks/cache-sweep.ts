import { Type } from 'typebox';
import { evictOverLimit } from '../cache/limits.ts';
import { sweepExpiredEntries } from '../cache/sweep.ts';
import { defineTask } from '../jobs/define.ts';

/**
 * Gives back the space of expired cache entries (reads already ignore them), then brings every
 * scope over CACHE_TENANT_MAX_BYTES back under it, evicting its least recently written
 * (PostgreSQL) or used (Redis) entries: a tenant's cache stays bounded as of each run (the
 * crontab's schedule), whatever it writes.
 */
export const cacheSweep = defineTask({
  name: 'cache-sweep',
  // Only our own code, the crontab and triggers dispatch it.
  audience: 'system',
  payload: Type.Object({}),
  maxAttempts: 1,
  timeoutMs: 5 * 60_000,
  async handler(_payload, ctx) {
    const removed = await sweepExpiredEntries(ctx.controlDb, { batchSize: 1000 });
    const evicted = await evictOverLimit(ctx.services.cache);
    for (const scope of evicted) {
      ctx.logger.info(
        { ...scope, maxBytes: ctx.services.cache.limits.scopeBytes },
        'cache scope over CACHE_TENANT_MAX_BYTES: its least recently written (PostgreSQL) or used (Redis) entries evicted',
      );
    }
    return { removed, evicted };
  },
});
