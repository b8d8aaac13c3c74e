import { Type } from 'typebox';
import { deleteExpiredExports } from '../exports/repository.ts';
import { defineTask } from '../jobs/define.ts';

/** Crontab task: removes exports past their expiry (EXPORT_TTL_HOURS), chunks included. */
export const exportExpiry = defineTask({
  name: 'export-expiry',
  // Only our own code, the crontab and triggers dispatch it.
  audience: 'system',
  maxAttempts: 1,
  timeoutMs: 10 * 60_000,
  payload: Type.Object({}),
  async handler(_payload, ctx) {
    let removed = 0;
    for (;;) {
      ctx.signal.throwIfAborted();
      const n = await deleteExpiredExports(ctx.controlDb);
      removed += n;
      if (n === 0) break;
    }
    if (removed > 0) ctx.logger.info({ removed }, 'expired exports removed');
    return { removed };
  },
});
