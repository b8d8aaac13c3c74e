import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  JobLogPageHub,
  type JobLogSummary,
  MAX_ROWS_PER_FLUSH,
  type PageSubscriber,
} from '../../src/job-logs/page-hub.ts';
import { createLogger } from '../../src/logger.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { insertTenants } from '../helpers/tenants.ts';

/**
 * The dashboard's page stream gathers job-log changes per interval and sends each subscriber
 * its scope's rows; a scope with more than MAX_ROWS_PER_FLUSH of them is told to re-read
 * instead. The bound is per tenant: one tenant's bulk dispatch made every tenant's pages
 * re-read (and miss their own changes meanwhile).
 */
describe('the job-log page stream under one busy tenant', () => {
  let tdb: TestDatabase;
  let hub: JobLogPageHub;

  /** What a subscriber received, as the SSE route would forward it. */
  const subscriber = (tenantId: string | undefined) => {
    const seen = { rows: [] as JobLogSummary[], resyncs: [] as string[] };
    const s: PageSubscriber = {
      tenantId,
      jobs: (rows) => seen.rows.push(...rows),
      resync: (reason) => seen.resyncs.push(reason),
      tenant: () => {},
      end: () => {},
    };
    return { s, seen };
  };
  const insertLogs = async (tenant: string, n: number) =>
    (
      await sql<{ id: string }>`
        INSERT INTO tenantry.job_logs (tenant_id, task, queue, max_attempts)
        SELECT ${tenant}, 'send-notification', 'default', 3 FROM generate_series(1, ${n}::int)
        RETURNING id::text`.execute(tdb.db)
    ).rows.map((r) => r.id);

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    await insertTenants(tdb.db, ['busy', 'quiet'], 1);
    hub = new JobLogPageHub(tdb.db, tdb.url, createLogger('silent', false));
  });
  afterAll(async () => {
    await hub.close();
    await tdb.close();
  });

  it("sends a quiet tenant its rows while a busy tenant's pages re-read", async () => {
    const busy = subscriber('busy');
    const quiet = subscriber('quiet');
    const admin = subscriber(undefined);
    for (const { s } of [busy, quiet, admin]) await hub.subscribe(s);
    const many = await insertLogs('busy', MAX_ROWS_PER_FLUSH + 50);
    const [one] = await insertLogs('quiet', 1);
    // As the outcome writer announces them: comma-separated ids, here in one notification
    // (one interval), the quiet tenant's among the busy one's.
    const ids = [...many.slice(0, 100), one!, ...many.slice(100)];
    await sql`SELECT pg_notify('tenantry_job_logs', ${ids.join(',')})`.execute(tdb.db);
    await expect.poll(() => quiet.seen.rows.length, { timeout: 5000 }).toBe(1);
    expect(quiet.seen.rows[0]).toMatchObject({ id: one, tenant: 'quiet' });
    expect(quiet.seen.resyncs).toEqual([]);
    await expect.poll(() => busy.seen.resyncs, { timeout: 5000 }).toEqual(['many changes']);
    expect(busy.seen.rows).toEqual([]);
    // An admin sees every tenant: more than the bound in all is a re-read for it.
    await expect.poll(() => admin.seen.resyncs, { timeout: 5000 }).toEqual(['many changes']);
    expect(admin.seen.rows).toEqual([]);
  });
});
