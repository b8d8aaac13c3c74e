import { existsSync } from 'node:fs';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresStore } from '../../src/cache/postgres-store.ts';
import { scopeStats } from '../../src/cache/stats.ts';
import { TenantCache } from '../../src/cache/tenant-cache.ts';
import { registry } from '../../src/tasks/index.ts';
import type { WorkerService } from '../../src/worker/runner.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { startTestWorker } from '../helpers/worker.ts';

describe('jobs added by the crontab', () => {
  let tdb: TestDatabase;
  let worker: WorkerService;
  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    // A small cache bound, so the sweep has a tenant to evict (see the last test).
    worker = await startTestWorker(tdb, {
      registry,
      env: { CACHE_TENANT_MAX_BYTES: '2000', CACHE_VALUE_MAX_BYTES: '1024' },
    });
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

  it('include the cache sweep, which evicts a tenant over CACHE_TENANT_MAX_BYTES down to it', async () => {
    const store = new PostgresStore(tdb.db);
    const bulky = new TenantCache(store, 'bulky');
    for (let i = 0; i < 40; i++) await bulky.put(`k${i}`, 'v'.repeat(80), 3600);
    const before = await scopeStats(store, 'bulky');
    expect(before.bytes).toBeGreaterThan(2000);
    const { rows } = await sql<{ id: string }>`
      SELECT id FROM graphile_worker.add_job('cache-sweep',
        json_build_object('_cron', json_build_object('ts', now(), 'backfilled', false)), max_attempts => 1)`.execute(
      tdb.db,
    );
    await expect
      .poll(async () => {
        const log = await tdb.db
          .selectFrom('tenantry.job_logs')
          .select(['status', 'result'])
          .where('job_id', '=', rows[0]!.id)
          .executeTakeFirst();
        return log?.status === 'completed' ? log.result : undefined;
      })
      .toBeDefined();
    const log = await tdb.db
      .selectFrom('tenantry.job_logs')
      .select('result')
      .where('job_id', '=', rows[0]!.id)
      .executeTakeFirstOrThrow();
    const after = await scopeStats(store, 'bulky');
    expect(after.bytes).toBeLessThanOrEqual(2000);
    expect(log.result).toEqual({
      removed: 0,
      evicted: [
        {
          tenant: 'bulky',
          bytesBefore: before.bytes,
          bytesAfter: after.bytes,
          evicted: before.entries - after.entries,
        },
      ],
    });
    // The newest writes are the ones kept.
    expect(await bulky.has('k39')).toBe(true);
    expect(await bulky.has('k0')).toBe(false);
  });

  it('are not scheduled by a worker started without a crontab file, even beside ./crontab', async () => {
    // graphile-worker falls back to ./crontab when given no schedule; the repository has one.
    expect(existsSync('crontab')).toBe(true);
    const { rows } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM graphile_worker._private_known_crontabs`.execute(tdb.db);
    expect(rows[0]?.n).toBe(0);
  });
});
