import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import { heartbeatIntervalMs } from '../worker/heartbeat.ts';

// The worker's own heartbeat interval: a worker is judged by the clock it keeps.
export { heartbeatIntervalMs };

/** A worker is flagged stalled once its heartbeat is older than this many intervals. */
export const STALLED_AFTER_INTERVALS = 3;

export interface WorkerRow {
  id: string;
  hostname: string;
  pid: number;
  concurrency: number;
  tenants: string[] | null;
  queues: string[] | null;
  started_at: string;
  last_seen_at: string;
  heartbeat_age_ms: number;
  stalled: boolean;
  stats: { processed: number; failed: number; retried: number; cancelled: number; active: number };
}

/** Registered worker processes in id order after `afterId`, with heartbeat age and a stalled flag. */
export async function listWorkers(
  db: Db,
  rescueAfterMs: number,
  limit: number,
  afterId?: string,
): Promise<WorkerRow[]> {
  const { rows } = await sql<{
    id: string;
    hostname: string;
    pid: number;
    concurrency: number;
    tenants: string[] | null;
    queues: string[] | null;
    started_at: Date;
    last_seen_at: Date;
    age_ms: number;
    stats: Record<string, unknown> | null;
  }>`
    SELECT id, hostname, pid, concurrency, tenants, queues, started_at, last_seen_at,
      greatest(0, floor(extract(epoch FROM clock_timestamp() - last_seen_at) * 1000))::bigint::float8 AS age_ms,
      stats
    FROM tenantry.workers
    WHERE (${afterId ?? null}::text IS NULL OR id > ${afterId ?? null}::text)
    ORDER BY id LIMIT ${limit}`.execute(db);
  const stalledAfter = STALLED_AFTER_INTERVALS * heartbeatIntervalMs(rescueAfterMs);
  const count = (stats: Record<string, unknown> | null, key: string) => {
    const value = stats?.[key];
    return typeof value === 'number' && Number.isFinite(value) ? Math.max(0, Math.trunc(value)) : 0;
  };
  return rows.map((r) => ({
    id: r.id,
    hostname: r.hostname,
    pid: r.pid,
    concurrency: r.concurrency,
    tenants: r.tenants,
    queues: r.queues,
    started_at: r.started_at.toISOString(),
    last_seen_at: r.last_seen_at.toISOString(),
    heartbeat_age_ms: r.age_ms,
    stalled: r.age_ms > stalledAfter,
    stats: {
      processed: count(r.stats, 'processed'),
      failed: count(r.stats, 'failed'),
      retried: count(r.stats, 'retried'),
      cancelled: count(r.stats, 'cancelled'),
      active: count(r.stats, 'active'),
    },
  }));
}
