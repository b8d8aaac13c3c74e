import { sql } from 'kysely';
import type { Db } from '../db/database.ts';

/**
 * The start of a job of a rate-limited lane at `startedAt` (see rate_start() in
 * migrations/0011 and 0024): 0 when it may start, which records the start; otherwise how many
 * milliseconds until its tenant's starts, all its queues together, leave room in their sliding
 * window. Admission already spaces a tenant's jobs by its limit; this holds the promise when
 * admitted jobs wait for a free slot and would otherwise start together, and when two passes
 * admitted jobs of one tenant's different queues at once. The start is counted at the time the
 * job log records as its start, so the limit holds for job_logs.started_at exactly.
 */
export async function rateStartDelay(db: Db, lane: string, startedAt: Date): Promise<number> {
  const { rows } = await sql<{ wait: string }>`
    SELECT tenantry.rate_start(${lane}, ${startedAt.getTime()}::bigint) AS wait`.execute(db);
  return Number(rows[0]?.wait ?? 0);
}
