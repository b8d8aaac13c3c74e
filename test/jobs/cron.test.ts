import { existsSync } from 'node:fs';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registry } from '../../src/tasks/index.ts';
import type { WorkerService } from '../../src/worker/runner.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { startTestWorker } from '../helpers/worker.ts';

describe('jobs added by the crontab', () => {
  let tdb: TestDatabase;
  let worker: WorkerService;
  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    worker = await startTestWorker(tdb, { registry });
  });
  afterAll(async () => {
    await worker.stop();
    await tdb.close();
  });

  it('run with a job log of their own, though they carry graphile-worker’s _cron payload', async () => {
    // Exactly what graphile-worker's cron inserts for a crontab line.
    const { rows } = await sql<{ id: string }>`
      SELECT id FROM graphile_worker.add_job('cache-sweep',
        json_build_object('_cron', json_build_object('ts', now(), 'backfilled', false)), max_attempts => 1)`.execute(
      tdb.db,
    );
    const jobId = rows[0]!.id;
    await expect
      .poll(async () => {
        const log = await tdb.db
          .selectFrom('tenantry.job_logs')
          .selectAll()
          .where('job_id', '=', jobId)
          .executeTakeFirst();
        return log?.status;
      })
      .toBe('completed');
    const log = await tdb.db
      .selectFrom('tenantry.job_logs')
      .selectAll()
      .where('job_id', '=', jobId)
      .executeTakeFirstOrThrow();
    expect(log).toMatchObject({ task: 'cache-sweep', tenant_id: null, attempts: 1, result: { removed: 0 } });
    expect(log.meta).toMatchObject({ cron: { backfilled: false } });
  });

  it('are not scheduled by a worker started without a crontab file, even beside ./crontab', async () => {
    // graphile-worker falls back to ./crontab when given no schedule; the repository has one.
    expect(existsSync('crontab')).toBe(true);
    const { rows } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM graphile_worker._private_known_crontabs`.execute(tdb.db);
    expect(rows[0]?.n).toBe(0);
  });
});
