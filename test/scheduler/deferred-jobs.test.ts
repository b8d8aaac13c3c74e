import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatchJobs } from '../../src/jobs/dispatch.ts';
import { registry } from '../../src/tasks/index.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { insertTenants } from '../helpers/tenants.ts';

/**
 * Only deferred waiting jobs are in the run_at index (migrations/0021): a job put in its lane to
 * start later (a delay, a retry's backoff) is `deferred`; any other waiting job is due from the
 * moment it is visible. Admission must never leave a lane with a waiting job and no due time
 * (nothing would admit it again), whichever way a pass leaves jobs behind.
 */
describe('deferred lane jobs', () => {
  let tdb: TestDatabase;
  const jobs = (tenant: string, n: number, delayMs?: number) =>
    Array.from({ length: n }, () => ({
      task: 'queue-gc',
      payload: {},
      tenant,
      ...(delayMs ? { delayMs } : {}),
    }));
  /** Lanes with a waiting job whose due time is missing or later than that job's. */
  const stranded = async () =>
    (
      await sql<{ name: string }>`
        SELECT l.name FROM tenantry.lanes l
        JOIN tenantry.lane_jobs j ON j.lane = l.name AND j.job_id IS NULL
        GROUP BY l.name, l.due HAVING l.due IS NULL OR l.due > min(j.run_at)`.execute(tdb.db)
    ).rows.map((r) => r.name);
  const waiting = async (lane: string) =>
    (
      await sql<{ n: number; deferred: number }>`
        SELECT count(*)::int AS n, count(*) FILTER (WHERE deferred)::int AS deferred
        FROM tenantry.lane_jobs WHERE lane = ${lane} AND job_id IS NULL`.execute(tdb.db)
    ).rows[0]!;
  const setRoom = (slots: number) =>
    sql`INSERT INTO tenantry.workers (id, hostname, pid, concurrency, admission_slots) VALUES ('w1', 'h', 1, 10, ${slots})
        ON CONFLICT (id) DO UPDATE SET admission_slots = ${slots}, last_seen_at = now()`.execute(tdb.db);
  const clearAdmitted = () => sql`DELETE FROM graphile_worker._private_jobs`.execute(tdb.db);

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    await insertTenants(tdb.db, ['d1', 'd2', 'skew', 'back'], 5);
  });
  afterAll(async () => {
    await tdb.close();
  });

  it('writes delayed jobs deferred and immediate ones not', async () => {
    await dispatchJobs(tdb.db, registry, [...jobs('d1', 2), ...jobs('d1', 1, 3_600_000)]);
    expect(await waiting('tenant_d1_default')).toEqual({ n: 3, deferred: 1 });
  });

  it('keeps a lane due when the pass’s room leaves some of its due jobs behind', async () => {
    await dispatchJobs(tdb.db, registry, jobs('d2', 2));
    // Room for three jobs in all: each lane reads its two due jobs (within its own room of
    // three), but the pass keeps only the three smallest finish times, so one lane is left
    // with a due job it read and did not admit, and must stay due.
    await setRoom(3);
    await sql`SELECT tenantry.admit(0)`.execute(tdb.db);
    expect(await stranded()).toEqual([]);
    const { rows } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM tenantry.lane_jobs WHERE job_id IS NOT NULL`.execute(tdb.db);
    expect(rows[0]!.n).toBe(3);
    // Passes with room take the rest; the delayed job stays, and sets its lane's due time.
    await setRoom(100);
    await clearAdmitted();
    await sql`SELECT tenantry.admit(0)`.execute(tdb.db);
    expect(await stranded()).toEqual([]);
    expect(await waiting('tenant_d1_default')).toEqual({ n: 1, deferred: 1 });
    expect(await waiting('tenant_d2_default')).toEqual({ n: 0, deferred: 0 });
    const { rows: lanes } = await sql<{ name: string; ahead_s: number | null }>`
      SELECT name, round(extract(epoch FROM due - now()))::int AS ahead_s FROM tenantry.lanes
      WHERE name IN ('tenant_d1_default', 'tenant_d2_default') ORDER BY name`.execute(tdb.db);
    expect(lanes).toEqual([
      { name: 'tenant_d1_default', ahead_s: 3600 },
      { name: 'tenant_d2_default', ahead_s: null },
    ]);
  });

  it('admits a job written by a transaction that began after the admitting one', async () => {
    // No live worker: the dispatches admit nothing themselves; the pass below has its own room.
    await sql`DELETE FROM tenantry.workers`.execute(tdb.db);
    await clearAdmitted();
    await dispatchJobs(tdb.db, registry, jobs('skew', 1));
    const admitting = new pg.Client({ connectionString: tdb.url });
    await admitting.connect();
    try {
      // The admitting transaction's now() is earlier than the next dispatch's (its job's run_at):
      // the lane is due (its first job), and the pass must count the second as due too.
      await admitting.query('BEGIN');
      await admitting.query('SELECT now()');
      await new Promise((r) => setTimeout(r, 20));
      await dispatchJobs(tdb.db, registry, jobs('skew', 1));
      await admitting.query('SELECT tenantry.admit(100)');
      await admitting.query('COMMIT');
    } finally {
      await admitting.end();
    }
    expect(await stranded()).toEqual([]);
    expect(await waiting('tenant_skew_default')).toEqual({ n: 0, deferred: 0 });
  });

  it('defers a retry backing off, not a job taken back to run again now', async () => {
    await setRoom(100);
    await clearAdmitted();
    await dispatchJobs(tdb.db, registry, jobs('back', 2));
    await sql`SELECT tenantry.admit(0)`.execute(tdb.db);
    const { rows } = await sql<{ job_id: string }>`
      SELECT job_id::text FROM tenantry.lane_jobs WHERE lane = 'tenant_back_default' ORDER BY log_id`.execute(
      tdb.db,
    );
    expect(rows).toHaveLength(2);
    await sql`SELECT tenantry.requeue_admitted(${[rows[0]!.job_id]}::bigint[],
                ARRAY[now() + interval '1 minute'], ARRAY[1]::smallint[])`.execute(tdb.db);
    await sql`SELECT tenantry.requeue_admitted(${[rows[1]!.job_id]}::bigint[], NULL, NULL)`.execute(tdb.db);
    expect(await waiting('tenant_back_default')).toEqual({ n: 2, deferred: 1 });
    // The pass that folds the releases admits the one taken back and leaves the lane due at the retry.
    await clearAdmitted();
    await sql`SELECT tenantry.admit(0)`.execute(tdb.db);
    expect(await waiting('tenant_back_default')).toEqual({ n: 1, deferred: 1 });
    expect(await stranded()).toEqual([]);
  });
});
