import { sql } from 'kysely';
import type { Db } from '../../src/db/database.ts';

/** Admitted (not finished) jobs of one tenant's lane. */
export async function admittedIn(db: Db, tenant: string, queue = 'default'): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM tenantry.lane_jobs
    WHERE lane = ${`tenant_${tenant}_${queue}`} AND job_id IS NOT NULL`.execute(db);
  return rows[0]!.n;
}

/**
 * Ends every admitted job as a worker's outcome batch would: out of graphile-worker, its lane
 * row gone and a release recorded, which the next admission pass folds.
 */
export async function finishAllAdmitted(db: Db): Promise<void> {
  await sql`SELECT graphile_worker.complete_jobs(ARRAY(SELECT job_id FROM tenantry.lane_jobs WHERE job_id IS NOT NULL))`.execute(
    db,
  );
  await sql`SELECT tenantry.finish_admitted(ARRAY(SELECT log_id FROM tenantry.lane_jobs WHERE job_id IS NOT NULL))`.execute(
    db,
  );
}
