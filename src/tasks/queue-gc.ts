import { Type } from 'typebox';
import { defineTask } from '../jobs/define.ts';
import { expireIdempotencyKeys } from '../jobs/idempotency.ts';
import { removeIdleLanes } from '../jobs/lane-gc.ts';

/**
 * graphile-worker keeps a row per named queue forever; per-tenant lanes make queue names
 * high-cardinality, so the crontab runs its GC_JOB_QUEUES cleanup (unused, unlocked queues).
 * Expired Idempotency-Keys of POST /api/jobs go in the same sweep, and the tenant lanes with no
 * work (a lane comes back with its queue's next job): lanes were kept forever, and every
 * limits change of a tenant visits all of its lanes.
 */
export const queueGc = defineTask({
  name: 'queue-gc',
  // Only our own code, the crontab and triggers dispatch it.
  audience: 'system',
  payload: Type.Object({}),
  maxAttempts: 1,
  timeoutMs: 5 * 60_000,
  async handler(_payload, ctx) {
    await ctx.services.workerUtils.cleanup({ tasks: ['GC_JOB_QUEUES'] });
    const idempotencyKeys = await expireIdempotencyKeys(ctx.controlDb);
    const lanes = await removeIdleLanes(ctx.controlDb, ctx.signal);
    return {
      cleaned: ['GC_JOB_QUEUES'],
      expired_idempotency_keys: idempotencyKeys,
      idle_lanes_removed: lanes,
    };
  },
});
