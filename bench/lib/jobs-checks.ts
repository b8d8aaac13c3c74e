// Checks the jobs benchmark makes on what a run left behind: how many jobs of one tenant (or
// pg-boss group) ran at once, from the run intervals the engine recorded, and whether the
// lanes' accounting came out exact before a run's jobs are cleared away.
import { type RawBuilder, sql } from 'kysely';
import type { BenchDatabase } from './database.ts';

export interface Concurrency {
  /** Most jobs of one tenant (group) running at once. */
  maxRunning: number;
  /** Job starts that took a tenant (group) over its cap. */
  startsOverCap: number;
  tenantsOverCap: number;
  /** Started jobs with no end recorded (should be 0 once a run is over). */
  unfinished: number;
}

/**
 * Concurrency per key from recorded run intervals: `intervals` yields (key, started, finished,
 * cap) rows; an end sorts before a start at the same instant.
 */
export async function concurrencyOf(
  bench: BenchDatabase,
  intervals: RawBuilder<unknown>,
): Promise<Concurrency> {
  const { rows } = await sql<{
    max_running: number | null;
    starts: number;
    tenants: number;
    unfinished: number;
  }>`
    WITH runs AS MATERIALIZED (${intervals}), events AS (
      SELECT key, started AS at, 1 AS delta, cap FROM runs WHERE started IS NOT NULL
      UNION ALL SELECT key, finished, -1, cap FROM runs WHERE started IS NOT NULL AND finished IS NOT NULL
    ), running AS (
      SELECT key, delta, cap, sum(delta) OVER (PARTITION BY key ORDER BY at, delta ROWS UNBOUNDED PRECEDING) AS n
      FROM events
    )
    SELECT (SELECT max(n)::int FROM running) AS max_running,
           (SELECT count(*)::int FROM running WHERE delta = 1 AND n > cap) AS starts,
           (SELECT count(DISTINCT key)::int FROM running WHERE n > cap) AS tenants,
           (SELECT count(*)::int FROM runs WHERE started IS NOT NULL AND finished IS NULL) AS unfinished`.execute(
    bench.db,
  );
  const row = rows[0]!;
  return {
    maxRunning: row.max_running ?? 0,
    startsOverCap: row.starts,
    tenantsOverCap: row.tenants,
    unfinished: row.unfinished,
  };
}

/** Concurrency of these tenants' jobs from job_logs (started_at to finished_at) against each one's cap. */
export function observedConcurrency(bench: BenchDatabase, tenants: readonly string[]): Promise<Concurrency> {
  return concurrencyOf(
    bench,
    sql`SELECT l.tenant_id AS key, l.started_at AS started, l.finished_at AS finished, s.cap
        FROM tenantry.job_logs l JOIN tenantry.tenant_scheduling s ON s.tenant_id = l.tenant_id
        WHERE l.tenant_id = ANY(${tenants}::text[])`,
  );
}

/**
 * Forgets a run's jobs, so each run starts from the same small tables. First checks the lane
 * accounting with the scheduler's own reconcile (reconcile_lanes(false): a lane whose recorded
 * inflight is not its admitted jobs plus vanished ones is drift) and, after a run that drained
 * everything (`drained`), that nothing is left waiting or admitted; what is off is reported on
 * stderr and returned. Then every job goes and reconcile_lanes(true) sets the lanes' counts to
 * match (nothing admitted), as it would in production.
 */
export async function clearJobs(
  bench: BenchDatabase,
  context: string,
  drained = true,
): Promise<string | undefined> {
  const { rows: lanes } = await sql<{ lane: string; recorded: number; actual: number; vanished: number }>`
    SELECT * FROM tenantry.reconcile_lanes(false)`.execute(bench.db);
  const drift = lanes.filter((l) => l.recorded !== l.actual + l.vanished);
  const { rows } = await sql<{ waiting: number; admitted: number }>`
    SELECT count(*) FILTER (WHERE job_id IS NULL)::int AS waiting,
           count(*) FILTER (WHERE job_id IS NOT NULL)::int AS admitted FROM tenantry.lane_jobs`.execute(
    bench.db,
  );
  const left = rows[0]!;
  const problems: string[] = [];
  if (drift.length > 0) {
    const off = drift.reduce((n, l) => n + l.recorded - l.actual - l.vanished, 0);
    problems.push(
      `lane accounting off on ${drift.length} lanes (recorded inflight minus admitted jobs: ${off})`,
    );
  }
  if (drained && left.waiting + left.admitted > 0) {
    problems.push(`${left.waiting} jobs still waiting and ${left.admitted} admitted after the drain`);
  }
  const problem = problems.length > 0 ? `after ${context}: ${problems.join('; ')}` : undefined;
  if (problem) process.stderr.write(`  note: ${problem}\n`);
  await sql`TRUNCATE tenantry.job_logs, tenantry.lane_jobs CASCADE`.execute(bench.db);
  await sql`DELETE FROM graphile_worker._private_jobs`.execute(bench.db);
  await sql`DELETE FROM graphile_worker._private_job_queues`.execute(bench.db);
  await sql`SELECT count(*) FROM tenantry.reconcile_lanes(true)`.execute(bench.db);
  // No job waits any more: admission need not visit these lanes again.
  await sql`UPDATE tenantry.lanes SET due = NULL WHERE due IS NOT NULL`.execute(bench.db);
  await vacuumChurned(bench);
  return problem;
}

/**
 * Vacuums the tables every job churns, between phases, as autovacuum would: the shared servers
 * here run with autovacuum off, and without this each phase inherits the previous phases' dead
 * rows (millions in graphile-worker's job table after the throughput runs) and runs slower.
 */
export async function vacuumChurned(bench: BenchDatabase): Promise<void> {
  await sql`VACUUM (ANALYZE) graphile_worker._private_jobs, graphile_worker._private_job_queues,
    tenantry.lanes, tenantry.lane_jobs, tenantry.lane_releases, tenantry.job_logs`.execute(bench.db);
}
