import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import { invalid } from '../errors.ts';

export interface SweepOptions {
  /** Rows deleted per statement: small enough to keep each statement short, large enough to amortize it. */
  batchSize?: number;
  /** Upper bound on statements per call, so one run ends even while entries keep expiring. */
  maxBatches?: number;
}

/**
 * Deletes expired rows of `tenantry.cache_entries`, oldest expiry first, one short statement
 * per batch (each its own transaction, so no long lock or snapshot is held), and returns how
 * many it removed. Reads already ignore expired rows; this only gives their space back.
 *
 * SKIP LOCKED lets it pass over rows a writer is replacing at that moment (the write decides
 * their fate) and lets two overlapping sweeps share the work instead of queueing.
 * Meant for the crontab (the Redis store expires entries itself; there the table is empty).
 */
export async function sweepExpiredEntries(
  db: Db,
  { batchSize = 1000, maxBatches = 1000 }: SweepOptions = {},
): Promise<number> {
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
    throw invalid('batchSize', `must be a whole number of at least 1, got ${batchSize}`);
  }
  if (!Number.isSafeInteger(maxBatches) || maxBatches < 1) {
    throw invalid('maxBatches', `must be a whole number of at least 1, got ${maxBatches}`);
  }
  let removed = 0;
  for (let batch = 0; batch < maxBatches; batch++) {
    const { rows } = await sql<{ n: number }>`
      WITH doomed AS (
        SELECT key FROM tenantry.cache_entries
        WHERE expires_at <= now()
        ORDER BY expires_at
        LIMIT ${batchSize}
        FOR UPDATE SKIP LOCKED
      ), gone AS (
        DELETE FROM tenantry.cache_entries AS c USING doomed
        WHERE c.key = doomed.key
        RETURNING 1
      )
      SELECT count(*)::integer AS n FROM gone`.execute(db);
    const n = rows[0]?.n ?? 0;
    removed += n;
    if (n < batchSize) break;
  }
  return removed;
}
