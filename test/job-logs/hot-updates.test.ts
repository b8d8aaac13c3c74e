import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatchJobs } from '../../src/jobs/dispatch.ts';
import { writeJobLogBatch } from '../../src/jobs/log-batch.ts';
import { registry } from '../../src/tasks/index.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { insertTenants } from '../helpers/tenants.ts';

/**
 * A batch of terminal job-log changes rewrites no index (migrations/0030): every row it changes
 * gets its new version on its own page (a HOT update), even when the batch rewrites every row
 * of those pages in one transaction, as the writer does with jobs dispatched together.
 */
describe('job-log batches as HOT updates', () => {
  let tdb: TestDatabase;
  let single: pg.Pool;

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    await insertTenants(tdb.db, ['hot'], 1);
    // One connection: the batch and the counters below share a transaction.
    single = new pg.Pool({ connectionString: tdb.url, max: 1 });
  });
  afterAll(async () => {
    await single.end();
    await tdb.close();
  });

  it('writes a batch ending 400 jobs dispatched together without a non-HOT update', async () => {
    const ids = await dispatchJobs(
      tdb.db,
      registry,
      Array.from({ length: 400 }, () => ({ task: 'queue-gc', payload: {}, tenant: 'hot' })),
    );
    const logIds = ids.map((d) => d.id);
    const { rows: pages } = await sql<{ n: number }>`
      SELECT count(DISTINCT (ctid::text::point)[0])::int AS n FROM tenantry.job_logs`.execute(tdb.db);
    expect(pages[0]!.n).toBeGreaterThan(5);

    await single.query('BEGIN');
    const now = new Date();
    await writeJobLogBatch(
      single,
      logIds.map((id) => [
        id,
        {
          status: 'completed',
          attempts: 1,
          startedAt: now,
          finishedAt: now,
          durationMs: 1,
          result: '{"ok":true}',
        },
      ]),
    );
    const { rows } = await single.query<{ updated: string; hot: string }>(`
      SELECT pg_stat_get_xact_tuples_updated('tenantry.job_logs'::regclass) AS updated,
             pg_stat_get_xact_tuples_hot_updated('tenantry.job_logs'::regclass) AS hot`);
    await single.query('COMMIT');
    expect(Number(rows[0]!.updated)).toBe(400);
    expect(Number(rows[0]!.hot)).toBe(400);
    const { rows: done } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM tenantry.job_logs WHERE status = 'completed'`.execute(tdb.db);
    expect(done[0]!.n).toBe(400);
  });
});
