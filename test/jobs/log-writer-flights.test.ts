import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatchJobs } from '../../src/jobs/dispatch.ts';
import { JobLogWriter } from '../../src/jobs/log-writer.ts';
import { createLogger } from '../../src/logger.ts';
import { registry } from '../../src/tasks/index.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { jobLog } from '../helpers/worker.ts';

/**
 * The job-log writer's flights: unawaited changes (successful jobs' ends) wait for the flight in
 * the air instead of going beside it at once; awaited ones (failures) never wait for it. The
 * first flight is held on a row lock, so what happens meanwhile does not depend on timing.
 */
describe('job-log writer flights', () => {
  let tdb: TestDatabase;
  let blocker: pg.Client;

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    blocker = new pg.Client({ connectionString: tdb.url });
    await blocker.connect();
  });
  afterAll(async () => {
    await blocker.end();
    await tdb.close();
  });

  const lockWaits = async () =>
    (
      await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND wait_event_type = 'Lock'`.execute(tdb.db)
    ).rows[0]!.n;

  it('holds a finished job beside a flight in the air, and sends a failure at once, with it', async () => {
    const [held, waiting, failed] = await dispatchJobs(
      tdb.db,
      registry,
      Array.from({ length: 3 }, () => ({ task: 'queue-gc', payload: {} })),
    );
    await blocker.query('BEGIN');
    await blocker.query('SELECT 1 FROM tenantry.job_logs WHERE id = $1 FOR UPDATE', [held!.id]);
    const writer = new JobLogWriter(tdb.pool, createLogger('silent', false), {
      secondFlightAfterMs: 600_000,
    });

    writer.settle(held!.id, { status: 'completed' });
    while ((await lockWaits()) === 0) await new Promise((r) => setTimeout(r, 10));
    writer.settle(waiting!.id, { status: 'completed' });
    await new Promise((r) => setTimeout(r, 50));
    // The first flight is stuck on the lock; the second job's end waits for it.
    expect(writer.backlog).toBe(1);
    expect((await jobLog(tdb.db, waiting!.id)).status).toBe('pending');

    // A failure is awaited by its job's attempt: it goes at once, taking what waits along.
    await writer.commit(failed!.id, { status: 'failed', errorMessage: 'boom' });
    expect(writer.backlog).toBe(0);
    expect((await jobLog(tdb.db, failed!.id)).status).toBe('failed');
    expect((await jobLog(tdb.db, waiting!.id)).status).toBe('completed');
    expect((await jobLog(tdb.db, held!.id)).status).toBe('pending');

    await blocker.query('ROLLBACK');
    expect(await writer.drain(5_000)).toBe(true);
    expect((await jobLog(tdb.db, held!.id)).status).toBe('completed');
  });
});
