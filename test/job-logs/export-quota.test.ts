import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.ts';
import { deleteExpiredExports } from '../../src/exports/repository.ts';
import type { App } from '../../src/http/app.ts';
import { registry } from '../../src/tasks/index.ts';
import { ADMIN_KEY, bearer, buildTestApp, tenantsWithKeys } from '../helpers/app.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { startTestWorker, waitForStatus } from '../helpers/worker.ts';

/**
 * A tenant's exports are bounded: EXPORT_MAX_ACTIVE waiting or running at once (429 with
 * Retry-After) and EXPORT_MAX_BYTES_PER_TENANT of files kept (409), with a deletion giving room
 * back. No worker runs here: exports stay waiting, and finished ones are written by hand.
 */
describe('export quota', () => {
  let tdb: TestDatabase;
  let app: App;
  let headers: Record<'acme' | 'globex' | 'burst' | 'files' | 'held', Record<string, string>>;

  const post = (as: Record<string, string>, payload: object = { export_type: 'clients' }) =>
    app.inject({ method: 'POST', url: '/api/exports', headers: as, payload });
  const remove = (id: string, as: Record<string, string>) =>
    app.inject({ method: 'DELETE', url: `/api/exports/${id}`, headers: as });
  /** Marks an export finished with a file of `bytes`, as the export job would leave it. */
  const finished = (id: string, bytes: number) =>
    sql`WITH e AS (
          UPDATE tenantry.exports SET completed_at = now(), byte_size = ${bytes}, row_count = 1, chunk_count = 0
          WHERE id = ${id} RETURNING job_log_id)
        UPDATE tenantry.job_logs SET status = 'completed', finished_at = now()
        WHERE id = (SELECT job_log_id FROM e)`.execute(tdb.db);

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    headers = await tenantsWithKeys(tdb, 'acme', 'globex', 'burst', 'files', 'held');
    const config = parseConfig({
      LOG_LEVEL: 'silent',
      EXPORT_MAX_ACTIVE: '2',
      EXPORT_MAX_BYTES_PER_TENANT: '1000',
    });
    app = await buildTestApp(tdb.db, {}, registry, { config });
  });
  afterAll(async () => {
    await app.close();
    await tdb.close();
  });

  it("refuses a tenant's export past its active ones, with Retry-After; other tenants are not held", async () => {
    expect((await post(headers.acme)).statusCode).toBe(202);
    expect((await post(headers.acme)).statusCode).toBe(202);
    const third = await post(headers.acme);
    expect(third.statusCode).toBe(429);
    expect(third.headers['retry-after']).toBe('10');
    expect(third.json()).toMatchObject({ code: 'rate_limited', reason: 'export_limit_reached' });
    expect(third.json().detail).toContain('EXPORT_MAX_ACTIVE is 2');
    // An admin key exporting acme meets the same bound; globex has its own.
    const admin = await post(bearer(ADMIN_KEY), { export_type: 'clients', tenant: 'acme' });
    expect(admin.statusCode).toBe(429);
    expect((await post(headers.globex)).statusCode).toBe(202);
    const { rows } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM tenantry.exports WHERE tenant_id = 'acme'`.execute(tdb.db);
    // Nothing of a refused export is written.
    expect(rows[0]!.n).toBe(2);
  });

  it('lets no two requests take the last place at once', async () => {
    const answers = await Promise.all(Array.from({ length: 6 }, () => post(headers.burst)));
    const codes = answers.map((a) => a.statusCode).sort();
    expect(codes).toEqual([202, 202, 429, 429, 429, 429]);
  });

  it('refuses a tenant over its bytes of files until one is deleted', async () => {
    const first = (await post(headers.files)).json().id as string;
    await finished(first, 600);
    const second = (await post(headers.files)).json().id as string;
    await finished(second, 500);
    const over = await post(headers.files);
    expect(over.statusCode).toBe(409);
    expect(over.json()).toMatchObject({ code: 'conflict', reason: 'export_quota_exceeded' });
    expect(over.json().detail).toContain('1100 bytes');

    // Another tenant's key cannot delete it (404, as for any export it cannot see).
    expect((await remove(first, headers.acme)).statusCode).toBe(404);
    const deleted = await remove(first, headers.files);
    expect(deleted.statusCode).toBe(204);
    expect((await remove(first, headers.files)).statusCode).toBe(404);
    const status = await app.inject({
      method: 'GET',
      url: `/api/exports/${first}/status`,
      headers: headers.files,
    });
    expect(status.statusCode).toBe(404);
    expect((await post(headers.files)).statusCode).toBe(202);
  });

  it('keeps an export whose job may still write it, and answers 404 for one that is not there', async () => {
    const waiting = (await post(headers.globex)).json().id as string;
    const refused = await remove(waiting, headers.globex);
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ reason: 'export_running' });
    expect(
      (await app.inject({ method: 'GET', url: `/api/exports/${waiting}/status`, headers: headers.globex }))
        .statusCode,
    ).toBe(200);
    expect((await remove('999999999', headers.globex)).statusCode).toBe(404);
    expect((await remove('not-a-number', headers.globex)).statusCode).toBe(400);
    // An admin key may delete any tenant's finished export.
    await finished(waiting, 10);
    expect((await remove(waiting, bearer(ADMIN_KEY))).statusCode).toBe(204);
  });

  it('answers at once while an export job holds the row, and leaves the file to the sweep', async () => {
    const running = (await post(headers.held, { export_type: 'job_logs' })).json().id as string;
    // The export job writes its chunks in one transaction; each insert locks the export row
    // (FOR KEY SHARE) until it commits.
    const writer = await tdb.pool.connect();
    try {
      await writer.query('BEGIN');
      await writer.query(
        `INSERT INTO tenantry.export_chunks (export_id, seq, data) VALUES ($1, 0, decode('00', 'hex'))`,
        [running],
      );
      expect((await remove(running, headers.held)).statusCode).toBe(409);
      await writer.query('ROLLBACK');
    } finally {
      writer.release();
    }

    // An export whose job has ended (cancelled here) is hidden at once; its file stays for a
    // download already streaming, and the sweep removes both.
    const { rows: job } = await sql<{ log: string }>`
      SELECT job_log_id::text AS log FROM tenantry.exports WHERE id = ${running}`.execute(tdb.db);
    const cancel = await app.inject({
      method: 'POST',
      url: `/api/job-logs/${job[0]!.log}/cancel`,
      headers: headers.held,
    });
    expect(cancel.statusCode).toBe(202);
    await sql`INSERT INTO tenantry.export_chunks (export_id, seq, data) VALUES (${running}, 0, decode('00', 'hex'))`.execute(
      tdb.db,
    );
    expect((await remove(running, headers.held)).statusCode).toBe(204);
    const listed = (
      await app.inject({ method: 'GET', url: '/api/exports/status', headers: headers.held })
    ).json();
    expect(listed.exports.map((e: { id: string }) => e.id)).not.toContain(running);
    const chunks = () =>
      sql<{
        n: number;
      }>`SELECT count(*)::int AS n FROM tenantry.export_chunks WHERE export_id = ${running}`.execute(tdb.db);
    expect((await chunks()).rows[0]!.n).toBe(1);
    await deleteExpiredExports(tdb.db);
    expect((await chunks()).rows[0]!.n).toBe(0);
  });

  it('fails a retried job of a deleted export for good, writing nothing', { timeout: 60_000 }, async () => {
    const id = (await post(headers.held)).json().id as string;
    const { rows } = await sql<{ log: string }>`
      SELECT job_log_id::text AS log FROM tenantry.exports WHERE id = ${id}`.execute(tdb.db);
    const log = rows[0]!.log;
    const cancelled = await app.inject({
      method: 'POST',
      url: `/api/job-logs/${log}/cancel`,
      headers: headers.held,
    });
    expect(cancelled.statusCode).toBe(202);
    expect((await remove(id, headers.held)).statusCode).toBe(204);
    const retried = await app.inject({
      method: 'POST',
      url: `/api/job-logs/${log}/retry`,
      headers: bearer(ADMIN_KEY),
    });
    expect(retried.statusCode).toBe(202);
    const worker = await startTestWorker(tdb, { registry });
    try {
      await waitForStatus(tdb.db, log, ['failed'], 30_000);
    } finally {
      await worker.stop();
    }
    const { rows: after } = await sql<{
      message: string;
      attempts: number;
      completed: boolean;
      chunks: number;
    }>`
      SELECT l.error_message AS message, l.attempts, e.completed_at IS NOT NULL AS completed,
             (SELECT count(*)::int FROM tenantry.export_chunks c WHERE c.export_id = e.id) AS chunks
      FROM tenantry.exports e JOIN tenantry.job_logs l ON l.id = e.job_log_id WHERE e.id = ${id}`.execute(
      tdb.db,
    );
    expect(after[0]).toMatchObject({ completed: false, chunks: 0 });
    expect(after[0]!.message).toContain(`export ${id} was deleted`);
  });
});
