import { Type } from 'typebox';
import { defineTask } from '../jobs/define.ts';
import { expireIdempotencyKeys } from '../jobs/idempotency.ts';

/**
 * graphile-worker keeps a row per named queue forever; per-tenant lanes make queue names
 * high-cardinality, so the crontab runs its GC_JOB_QUEUES cleanup (unused, unlocked queues).
 * Expired Idempotency-Keys of POST /api/jobs go in the same sweep.
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
    return { cleaned: ['GC_JOB_QUEUES'], expired_idempotency_keys: idempotencyKeys };
  },
});
