import { type Selectable, sql } from 'kysely';
import type { Db } from '../db/database.ts';
import type { WorkersTable } from '../db/schema.ts';
import type { WorkerStats } from '../health.ts';
import type { MetricsSnapshot } from '../jobs/metrics.ts';
import { heartbeatIntervalMs } from './heartbeat.ts';

export type LiveWorker = Omit<Selectable<WorkersTable>, 'stats'> & {
  stats: Partial<MetricsSnapshot>;
  /** Silent for three heartbeats: its loop is not making progress (or it lost the database). */
  stalled: boolean;
};

/**
 * Workers whose heartbeat is recent enough that the rescue has not declared them dead. A worker
 * writes its heartbeat only while its job loop makes progress, so one silent for three
 * intervals is reported stalled, not active, until it recovers or is declared dead.
 */
export async function liveWorkers(db: Db, rescueAfterMs: number): Promise<LiveWorker[]> {
  const stalledAfter = (3 * heartbeatIntervalMs(rescueAfterMs)) / 1000;
  const rows = await db
    .selectFrom('tenantry.workers')
    .selectAll()
    .select(sql<boolean>`last_seen_at < now() - make_interval(secs => ${stalledAfter})`.as('stalled'))
    .where('last_seen_at', '>=', sql<Date>`now() - make_interval(secs => ${rescueAfterMs / 1000})`)
    .orderBy('started_at')
    .execute();
  return rows.map((r) => ({ ...r, stats: (r.stats ?? {}) as Partial<MetricsSnapshot> }));
}

/** The seed's `workers` block of /health, summed over every live worker process in the cluster. */
export async function clusterWorkerStats(db: Db, rescueAfterMs: number): Promise<WorkerStats> {
  const workers = await liveWorkers(db, rescueAfterMs);
  return workers.reduce<WorkerStats>(
    (sum, w) => ({
      tasks_processed: sum.tasks_processed + (w.stats.processed ?? 0),
      tasks_failed: sum.tasks_failed + (w.stats.failed ?? 0),
      active_workers: sum.active_workers + (w.stalled ? 0 : w.concurrency),
      stalled_workers: sum.stalled_workers + (w.stalled ? 1 : 0),
    }),
    { tasks_processed: 0, tasks_failed: 0, active_workers: 0, stalled_workers: 0 },
  );
}
