import { sql } from 'kysely';
import type pg from 'pg';
import { createDb, createPool, type Db } from '../../src/db/database.ts';
import { migrateControlPlane } from '../../src/db/migrate.ts';
import { createTenantSchema } from '../../src/db/tenant-schema.ts';
import { insertTenant } from '../../src/db/tenants.ts';
import { withConnectionTransaction } from '../../src/db/transaction.ts';
import { CHAOS_RUNS_DDL, CHAOS_RUNS_INDEX } from '../../test/fixtures/chaos-tasks.ts';
import { mostPerTenant } from './sliding-window.ts';

export interface BenchConnection {
  pool: pg.Pool;
  db: Db;
  close(): Promise<void>;
}

/**
 * The benchmark's own connection to the server under test, used before the faults (setup) and
 * after them (figures). A statement that hangs must not hang the run.
 */
export function benchConnection(url: string): BenchConnection {
  const pool = createPool({
    connectionString: url,
    max: 4,
    applicationName: 'tenantry-chaos-bench',
    settings: { statement_timeout: '30000' },
  });
  const db = createDb(pool);
  return { pool, db, close: () => db.destroy() };
}

/**
 * Control-plane and graphile-worker schemas, the chaos_runs table, and `tenants` provisioned;
 * the `rated` ones held to a rate limit.
 */
export async function prepareDatabase(
  conn: BenchConnection,
  tenants: string[],
  rated?: { ids: string[]; limit: number; periodMs: number },
): Promise<void> {
  await migrateControlPlane(conn.db, conn.pool);
  await CHAOS_RUNS_DDL.execute(conn.db);
  await CHAOS_RUNS_INDEX.execute(conn.db);
  // A tenant row and its migrated schema, as provisioning makes them (see test/helpers/worker.ts).
  const queue = [...tenants];
  const provisionNext = async (): Promise<void> => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      const tenant = id;
      await withConnectionTransaction(conn.pool, async (trx) => {
        await insertTenant(trx, { id: tenant, name: tenant });
        await createTenantSchema(trx, tenant);
      });
    }
  };
  await Promise.all(Array.from({ length: 3 }, provisionNext));
  if (!rated?.ids.length) return;
  await sql`INSERT INTO tenantry.tenant_limits (tenant_id, rate_limit, rate_period_ms)
            SELECT id, ${rated.limit}, ${rated.periodMs} FROM unnest(${rated.ids}::text[]) AS t(id)`.execute(
    conn.db,
  );
}

/**
 * The most starts of one of `tenants` within any period of `periodMs`, from the job logs. A log
 * keeps its last attempt's start only, so this is at most the true figure; held-back starts
 * are not recorded.
 */
export async function peakStarts(db: Db, tenants: string[], periodMs: number): Promise<number> {
  const { rows } = await sql<{ tenant: string; at: Date }>`
    SELECT tenant_id AS tenant, started_at AS at FROM tenantry.job_logs
    WHERE tenant_id = ANY(${tenants}::text[]) AND started_at IS NOT NULL
    ORDER BY tenant_id, started_at`.execute(db);
  return mostPerTenant(rows, periodMs);
}

export interface JobCounts {
  dispatched: number;
  terminal: number;
  completed: number;
  failed: number;
  cancelled: number;
  /** Not terminal, and no graphile-worker job left to make it so. */
  lost: number;
  /** Not terminal, with its graphile-worker job still there. */
  waiting: number;
  lostIds: string[];
  waitingIds: string[];
}

/**
 * Final counts: a completed job's graphile-worker row goes a moment before its log is written,
 * so a job is lost only if it still has neither a few seconds later.
 */
export async function settledJobCounts(db: Db, ids: string[]): Promise<JobCounts> {
  const first = await jobCounts(db, ids);
  if (first.lost === 0) return first;
  await new Promise((r) => setTimeout(r, 3000));
  const second = await jobCounts(db, ids);
  const before = new Set(first.lostIds);
  const transient = second.lostIds.filter((id) => !before.has(id));
  // Not lost twice in a row: still on its way to terminal, so counted as waiting.
  second.lostIds = second.lostIds.filter((id) => before.has(id));
  second.lost -= transient.length;
  second.waiting += transient.length;
  second.waitingIds.push(...transient);
  return second;
}

/** Where each dispatched job stands. */
export async function jobCounts(db: Db, ids: string[]): Promise<JobCounts> {
  const { rows } = await sql<{ id: string; status: string | null; queued: boolean }>`
    SELECT d.id::text AS id, l.status,
      EXISTS (SELECT 1 FROM graphile_worker._private_jobs j WHERE j.id = l.job_id) AS queued
    FROM unnest(${ids}::bigint[]) AS d(id)
    LEFT JOIN tenantry.job_logs l ON l.id = d.id`.execute(db);
  const counts: JobCounts = {
    dispatched: ids.length,
    terminal: 0,
    completed: 0,
    failed: 0,
    cancelled: 0,
    lost: 0,
    waiting: 0,
    lostIds: [],
    waitingIds: [],
  };
  for (const row of rows) {
    if (row.status === 'completed' || row.status === 'failed' || row.status === 'cancelled') {
      counts.terminal += 1;
      counts[row.status] += 1;
    } else if (row.queued) {
      counts.waiting += 1;
      counts.waitingIds.push(row.id);
    } else {
      counts.lost += 1;
      counts.lostIds.push(row.id);
    }
  }
  return counts;
}

/** One line per job, for the jobs a figure counts against the target: what their log and executions say. */
export async function describeJobs(db: Db, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const { rows } = await sql<{ line: string }>`
    SELECT format('job log %s: %s %s, attempts %s/%s, job %s, error %L, executions [%s]',
      l.id, l.task, l.status, l.attempts, l.max_attempts, coalesce(l.job_id::text, '-'),
      left(l.error_message, 120),
      (SELECT string_agg(format('%s %s by pid %s', r.attempt, r.outcome, r.worker_pid), ', ' ORDER BY r.id)
        FROM chaos_runs r WHERE r.job_log_id = l.id)) AS line
    FROM tenantry.job_logs l WHERE l.id = ANY(${ids}::bigint[]) ORDER BY l.id`.execute(db);
  return rows.map((r) => r.line);
}

export interface Executions {
  total: number;
  /** Job logs with more than one completed execution. */
  duplicated: number;
  /** Completed executions beyond the first of their job log. */
  extra: number;
  /** Never recorded an end: the process died, or the database went away, mid-attempt. */
  unfinished: number;
  /** The job logs completed more than once (up to 100), with the workers that completed them, in order. */
  duplicates: { id: string; pids: number[] }[];
}

export async function executions(db: Db): Promise<Executions> {
  const duplicates = await sql<{ id: string; pids: number[] }>`
    SELECT job_log_id::text AS id, array_agg(worker_pid ORDER BY finished_at) AS pids
    FROM chaos_runs WHERE outcome = 'completed'
    GROUP BY job_log_id HAVING count(*) > 1 ORDER BY job_log_id LIMIT 100`.execute(db);
  const { rows } = await sql<Omit<Executions, 'duplicates'>>`
    SELECT coalesce(sum(n), 0)::int AS total,
      count(*) FILTER (WHERE completed > 1)::int AS duplicated,
      coalesce(sum(completed - 1) FILTER (WHERE completed > 1), 0)::int AS extra,
      coalesce(sum(unfinished), 0)::int AS unfinished
    FROM (SELECT job_log_id, count(*) AS n,
        count(*) FILTER (WHERE outcome = 'completed') AS completed,
        count(*) FILTER (WHERE outcome = 'started') AS unfinished
      FROM chaos_runs GROUP BY job_log_id) per_log`.execute(db);
  return { ...rows[0]!, duplicates: duplicates.rows };
}

/** When the first job completed after `since` (ms since the epoch), by its job log; or undefined. */
export async function firstCompletionAfter(db: Db, since: number): Promise<number | undefined> {
  const { rows } = await sql<{ at: Date | null }>`
    SELECT min(finished_at) AS at FROM tenantry.job_logs
    WHERE status = 'completed' AND finished_at > ${new Date(since)}`.execute(db);
  return rows[0]?.at?.getTime();
}
