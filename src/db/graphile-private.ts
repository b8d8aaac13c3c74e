import { sql } from 'kysely';
import type pg from 'pg';
import type { DbOrTrx } from './database.ts';

/**
 * graphile-worker's private schema, where Tenantry relies on it. Everything else goes through
 * its public functions (add_jobs, complete_jobs, reschedule_jobs, permanently_fail_jobs,
 * force_unlock_workers) and its public `jobs` view. What remains, and why no public function
 * does it:
 * - record_job_outcomes() (migrations/0010) deletes a job still locked by the calling worker
 *   (complete_jobs skips locked jobs) when a laned job fails or is held back, together with its
 *   job log in one transaction, and unlocks the job's named queue (central named queues).
 * - admit() (migrations/0009) counts the jobs graphile-worker could hand out now through its
 *   partial index on `is_available` (the public view joins two tables and has no such index);
 *   with limited workers live (0035, 0036), also those whose `flags` one of them takes.
 * - knownCrontabs() below: the last run of each crontab entry (no public view has it).
 * - vacuumQueueTables() below and queue_dead_rows() (migrations/0016) keep its jobs table
 *   free of the dead rows a busy queue leaves faster than autovacuum clears them.
 * test/graphile-private.test.ts fails when the installed graphile-worker is another version or
 * these columns change, so an upgrade is checked here before it ships.
 */
export const GRAPHILE_WORKER_CHECKED = '0.18.0';

/** Private tables and the columns read or written, by table. */
export const RELIED_ON_COLUMNS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  _private_jobs: ['id', 'locked_by', 'job_queue_id', 'is_available', 'priority', 'run_at', 'flags'],
  _private_job_queues: ['id', 'locked_by', 'locked_at'],
  _private_known_crontabs: ['identifier', 'last_execution'],
});

/** Last execution of each crontab entry graphile-worker has seen; empty before its first start. */
export async function knownCrontabs(db: DbOrTrx): Promise<Map<string, Date | null>> {
  const { rows } = await sql<{ identifier: string; last_execution: Date | null }>`
    SELECT identifier, last_execution FROM graphile_worker._private_known_crontabs`
    .execute(db)
    .catch(() => ({ rows: [] as { identifier: string; last_execution: Date | null }[] }));
  return new Map(rows.map((r) => [r.identifier, r.last_execution]));
}

/**
 * Vacuums the tables every job churns through: graphile-worker's jobs table and the scheduler's
 * lane tables and rate windows, those whose dead rows queue_dead_rows() counts (migrations/0016
 * says why, 0025 adds the windows).
 * Outside any transaction, as VACUUM must be. A table another session is vacuuming is skipped,
 * not waited for; the file is not truncated (that takes an exclusive lock, and the space is
 * reused at once by the next jobs); a role that does not own a table gets a warning from the
 * server and the table is left alone. No parallel workers: these indexes are small, and starting
 * workers for them, then waiting for them, made each pass 3-4 times longer (1,000 busy tenants:
 * ~100 ms at the median against ~25-35 ms), all of it on the cores the jobs run on.
 */
export async function vacuumQueueTables(pool: pg.Pool): Promise<void> {
  await pool.query(
    'VACUUM (TRUNCATE false, SKIP_LOCKED, PARALLEL 0) graphile_worker._private_jobs, tenantry.lane_jobs, tenantry.lanes, tenantry.lane_releases, tenantry.rate_windows',
  );
}
