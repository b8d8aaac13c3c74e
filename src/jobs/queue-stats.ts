import { sql } from 'kysely';
import type { DbOrTrx } from '../db/database.ts';
import { parseLane } from './lanes.ts';

export interface QueueStats {
  tenant: string | null;
  queue: string;
  lanes: number;
  ready: number;
  scheduled: number;
  running: number;
  failed: number;
}

/**
 * Depth of every logical queue, from graphile-worker's jobs: lanes are folded back into
 * (tenant, queue). `failed` counts permanently failed jobs (the dead letter).
 */
export async function queueStats(db: DbOrTrx): Promise<QueueStats[]> {
  const { rows } = await sql<{
    queue_name: string | null;
    ready: number;
    scheduled: number;
    running: number;
    failed: number;
  }>`
    SELECT queue_name,
      count(*) FILTER (WHERE locked_at IS NULL AND attempts < max_attempts AND run_at <= now())::int AS ready,
      count(*) FILTER (WHERE locked_at IS NULL AND attempts < max_attempts AND run_at > now())::int AS scheduled,
      count(*) FILTER (WHERE locked_at IS NOT NULL)::int AS running,
      count(*) FILTER (WHERE locked_at IS NULL AND attempts >= max_attempts)::int AS failed
    FROM graphile_worker.jobs GROUP BY queue_name`.execute(db);
  const byQueue = new Map<string, QueueStats>();
  for (const row of rows) {
    const { tenantId, queue } = parseLane(row.queue_name);
    const key = `${tenantId ?? ''}\u0000${queue}`;
    const stats = byQueue.get(key) ?? {
      tenant: tenantId ?? null,
      queue,
      lanes: 0,
      ready: 0,
      scheduled: 0,
      running: 0,
      failed: 0,
    };
    stats.lanes += 1;
    stats.ready += row.ready;
    stats.scheduled += row.scheduled;
    stats.running += row.running;
    stats.failed += row.failed;
    byQueue.set(key, stats);
  }
  return [...byQueue.values()].sort(
    (a, b) => (a.tenant ?? '').localeCompare(b.tenant ?? '') || a.queue.localeCompare(b.queue),
  );
}

/** Removes permanently failed jobs from the queue; their job logs stay `failed` as history. */
export async function flushFailedJobs(db: DbOrTrx, tenantId?: string): Promise<number> {
  const { rows } = await sql<{ id: string }>`
    SELECT id FROM graphile_worker.complete_jobs(ARRAY(
      SELECT j.id FROM graphile_worker.jobs j
      LEFT JOIN tenantry.job_logs l ON l.job_id = j.id
      WHERE j.locked_at IS NULL AND j.attempts >= j.max_attempts
        AND (${tenantId ?? null}::text IS NULL OR l.tenant_id = ${tenantId ?? null}::text)
    ))`.execute(db);
  return rows.length;
}
