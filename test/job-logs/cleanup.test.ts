import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupJobLogs } from '../../src/job-logs/repository.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { insertTenants } from '../helpers/tenants.ts';

/**
 * The cleanup of old job logs deletes in short statements (a long history went in one), takes
 * only finished rows older than the cutoff, only the tenant's when scoped, and their entries in
 * the index of failed logs with them.
 */
describe('cleanup of old job logs', () => {
  let tdb: TestDatabase;
  const count = async (where: ReturnType<typeof sql>) =>
    (
      await sql<{ n: number }>`SELECT count(*)::int AS n FROM tenantry.job_logs WHERE ${where}`.execute(
        tdb.db,
      )
    ).rows[0]!.n;

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    await insertTenants(tdb.db, ['old', 'other'], 1);
    // Per tenant: 30 finished and 5 pending logs from 40 days ago, 5 finished from today.
    await sql`
      INSERT INTO tenantry.job_logs (tenant_id, task, queue, status, max_attempts, created_at)
      SELECT t, 'send-notification', 'default',
             CASE WHEN i <= 30 THEN (ARRAY['completed', 'failed', 'cancelled'])[1 + i % 3]
                  WHEN i <= 35 THEN 'pending' ELSE 'completed' END,
             3, CASE WHEN i <= 35 THEN now() - interval '40 days' ELSE now() END
      FROM unnest(ARRAY['old', 'other']) AS t, generate_series(1, 40) AS i`.execute(tdb.db);
  });
  afterAll(async () => {
    await tdb.close();
  });

  it('deletes every old finished row of the tenant, seven at a time, and nothing else', async () => {
    expect(await cleanupJobLogs(tdb.db, 30, 'old', 7)).toBe(30);
    expect(await count(sql`tenant_id = 'old'`)).toBe(10);
    expect(await count(sql`tenant_id = 'old' AND status = 'pending'`)).toBe(5);
    expect(await count(sql`tenant_id = 'other'`)).toBe(40);
    const { rows } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM tenantry.job_log_failures WHERE log_tenant = 'old'`.execute(tdb.db);
    expect(rows[0]!.n).toBe(0);
    // Unscoped (an admin's), a batch exactly the size of what is left: one more, empty, ends it.
    expect(await cleanupJobLogs(tdb.db, 30, undefined, 30)).toBe(30);
    expect(await count(sql`true`)).toBe(20);
  });
});
