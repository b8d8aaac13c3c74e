import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatchJobs } from '../../src/jobs/dispatch.ts';
import { registry } from '../../src/tasks/index.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { insertTenants } from '../helpers/tenants.ts';

/**
 * A retry goes back to its lane without the lane's lock (requeue_admitted, migrations/0019):
 * an outcome batch never waits for the admission pass that holds the lane. The freed slot and
 * the retry's due time reach the lane when a pass folds the release, exactly once.
 */
describe('requeue_admitted', () => {
  let tdb: TestDatabase;
  const lane = async () =>
    (
      await sql<{ inflight: number; due: Date | null; releases: number; waiting: number }>`
        SELECT l.inflight, l.due,
               (SELECT coalesce(sum(r.n), 0)::int FROM tenantry.lane_releases r WHERE r.lane = l.name) AS releases,
               (SELECT count(*)::int FROM tenantry.lane_jobs j WHERE j.lane = l.name AND j.job_id IS NULL) AS waiting
        FROM tenantry.lanes l WHERE l.name = 'tenant_rq_default'`.execute(tdb.db)
    ).rows[0]!;

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    await insertTenants(tdb.db, ['rq'], 2);
  });
  afterAll(async () => {
    await tdb.close();
  });

  it('puts retries back while an admission pass holds the lane, and the fold applies them once', async () => {
    await dispatchJobs(tdb.db, registry, [
      { task: 'queue-gc', payload: {}, tenant: 'rq' },
      { task: 'queue-gc', payload: {}, tenant: 'rq' },
    ]);
    await sql`SELECT tenantry.try_admit(10)`.execute(tdb.db);
    const { rows: admitted } = await sql<{ job_id: string }>`
      SELECT job_id::text FROM tenantry.lane_jobs WHERE job_id IS NOT NULL ORDER BY log_id`.execute(tdb.db);
    expect(admitted).toHaveLength(2);
    // What the outcome batch does first: graphile-worker's job of the failed attempt goes.
    await sql`SELECT graphile_worker.complete_jobs(${admitted.map((r) => r.job_id)}::bigint[])`.execute(
      tdb.db,
    );
    expect(await lane()).toMatchObject({ inflight: 2, releases: 0, waiting: 0, due: null });

    const retryAt = new Date(Date.now() + 60_000);
    const holder = await tdb.pool.connect();
    const requeuer = await tdb.pool.connect();
    try {
      await holder.query('BEGIN');
      await holder.query("SELECT 1 FROM tenantry.lanes WHERE name = 'tenant_rq_default' FOR UPDATE");
      // Would fail with lock_not_available if it waited for the held lane.
      await requeuer.query("SET lock_timeout = '500ms'");
      const { rows } = await requeuer.query<{ n: number }>(
        'SELECT tenantry.requeue_admitted($1::bigint[], $2::timestamptz[], $3::smallint[]) AS n',
        [admitted.map((r) => r.job_id), [retryAt, retryAt], [1, 1]],
      );
      expect(rows[0]!.n).toBe(2);
      // Put back a second time (a batch written again): nothing more is released.
      const again = await requeuer.query<{ n: number }>(
        'SELECT tenantry.requeue_admitted($1::bigint[], NULL, NULL) AS n',
        [admitted.map((r) => r.job_id)],
      );
      expect(again.rows[0]!.n).toBe(0);
      // The held lane is not folded yet: its slots still count, and it does not know it is due.
      await sql`SELECT tenantry.fold_releases()`.execute(tdb.db);
      expect(await lane()).toMatchObject({ inflight: 2, releases: 2, waiting: 2, due: null });
    } finally {
      await holder.query('ROLLBACK');
      await requeuer.query('RESET lock_timeout');
      holder.release();
      requeuer.release();
    }
    await sql`SELECT tenantry.fold_releases()`.execute(tdb.db);
    await sql`SELECT tenantry.fold_releases()`.execute(tdb.db);
    const folded = await lane();
    expect(folded).toMatchObject({ inflight: 0, releases: 0, waiting: 2 });
    expect(folded.due?.getTime()).toBe(retryAt.getTime());
    const { rows: attempts } = await sql<{ attempts: number }>`
      SELECT attempts FROM tenantry.lane_jobs ORDER BY log_id`.execute(tdb.db);
    expect(attempts).toEqual([{ attempts: 1 }, { attempts: 1 }]);
    const { rows: drift } = await sql`SELECT * FROM tenantry.reconcile_lanes(false)`.execute(tdb.db);
    expect(drift).toEqual([]);
    // Not due before its time: a pass admits nothing yet.
    const { rows: pass } = await sql<{ n: number }>`SELECT tenantry.admit(10) AS n`.execute(tdb.db);
    expect(pass[0]!.n).toBe(0);
  });
});
