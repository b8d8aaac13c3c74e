import { Type } from 'typebox';
import { sweepExpiredEntries } from '../cache/sweep.ts';
import { defineTask } from '../jobs/define.ts';

/** Gives back the space of expired cache entries; reads already ignore them. */
export const cacheSweep = defineTask({
  name: 'cache-sweep',
  // Only our own code, the crontab and triggers dispatch it.
  audience: 'system',
  payload: Type.Object({}),
  maxAttempts: 1,
  timeoutMs: 5 * 60_000,
  async handler(_payload, ctx) {
    return { removed: await sweepExpiredEntries(ctx.controlDb, { batchSize: 1000 }) };
  },
});
