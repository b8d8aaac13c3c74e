import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/http/app.ts';
import { registry } from '../../src/tasks/index.ts';
import type { WorkerService } from '../../src/worker/runner.ts';
import { ADMIN_KEY, bearer, buildTestApp, tenantsWithKeys } from '../helpers/app.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { startTestWorker, waitForStatus } from '../helpers/worker.ts';

/**
 * The import-clients task reads a CSV from the job's tenant's files into its clients: all rows
 * or none, a bad line named, never another tenant's file, never imported twice.
 */
describe('import-clients', () => {
  let tdb: TestDatabase;
  let app: App;
  let worker: WorkerService | undefined;
  let headers: Record<'acme' | 'globex', Record<string, string>>;

  const upload = async (as: Record<string, string>, path: string, body: string | Buffer) => {
    const answer = await app.inject({
      method: 'PUT',
      url: `/api/files/${encodeURIComponent(path)}`,
      headers: { ...as, 'content-type': 'text/csv' },
      payload: body,
    });
    expect(answer.statusCode).toBeLessThan(300);
    return answer.json() as { sha256: string };
  };
  const dispatch = (as: Record<string, string>, payload: object) =>
    app.inject({
      method: 'POST',
      url: '/api/jobs',
      headers: as,
      payload: { task: 'import-clients', payload },
    });
  const run = async (as: Record<string, string>, payload: object) => {
    const answer = await dispatch(as, payload);
    expect(answer.statusCode).toBe(202);
    const id = String(answer.json().id);
    return waitForStatus(tdb.db, id, ['completed', 'failed']);
  };
  const clients = async (tenant: string) =>
    (
      await sql<{ name: string; email: string | null; phone: string | null; company_context: string | null }>`
        SELECT name, email, phone, company_context FROM ${sql.table(`tenant_${tenant}.clients`)} ORDER BY id`.execute(
        tdb.db,
      )
    ).rows;

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    headers = await tenantsWithKeys(tdb, 'acme', 'globex');
    app = await buildTestApp(tdb.db);
  });
  afterAll(async () => {
    await worker?.stop();
    await app.close();
    await tdb.close();
  });

  it('imports nothing again for a job whose import already committed', async () => {
    await upload(headers.acme, 'again.csv', 'name\nOnce\n');
    const answer = await dispatch(headers.acme, { path: 'again.csv' });
    const id = String(answer.json().id);
    // As if an earlier attempt committed its rows and its worker died before recording the outcome.
    await sql`INSERT INTO tenant_acme.file_imports (job_log_id, path, sha256, row_count)
              VALUES (${id}, 'again.csv', 'x', 1)`.execute(tdb.db);
    worker = await startTestWorker(tdb, { registry });
    const log = await waitForStatus(tdb.db, id, ['completed', 'failed']);
    expect(log.status).toBe('completed');
    expect(log.result).toMatchObject({ imported: 1, already_imported: true });
    expect(await clients('acme')).toEqual([]);
  });

  it("imports a tenant's CSV into its clients, quoted fields and an export's columns included", async () => {
    const csv =
      '\ufeffid,name,email,phone,company_context,created_at,updated_at\r\n' +
      '7,Ann,ann@example.com,555-0100,"Makes widgets, small ones",2026-01-01,2026-01-01\r\n' +
      '8,"Bob ""the builder""",,,"two\nlines",,\r\n';
    const { sha256 } = await upload(headers.acme, 'imports/clients.csv', csv);
    const log = await run(headers.acme, { path: 'imports/clients.csv', sha256 });
    expect(log.status).toBe('completed');
    expect(log.result).toEqual({ imported: 2, path: 'imports/clients.csv', sha256 });
    expect(log.progress).toBe(100);
    expect(await clients('acme')).toEqual([
      {
        name: 'Ann',
        email: 'ann@example.com',
        phone: '555-0100',
        company_context: 'Makes widgets, small ones',
      },
      { name: 'Bob "the builder"', email: null, phone: null, company_context: 'two\nlines' },
    ]);
  });

  it('imports a file of many chunks whole', async () => {
    const lines = Array.from({ length: 50_000 }, (_, i) => `Bulk client ${i},bulk${i}@example.com,+1555${i}`);
    const csv = `name,email,phone\n${lines.join('\n')}\n`;
    expect(csv.length).toBeGreaterThan(2 * 1024 * 1024);
    const log = await run(headers.acme, { path: 'bulk.csv' }).catch(() => undefined);
    expect(log?.status).toBe('failed');
    await upload(headers.acme, 'bulk.csv', csv);
    const done = await run(headers.acme, { path: 'bulk.csv' });
    expect(done.result).toMatchObject({ imported: 50_000 });
    const { rows } = await sql<{ n: number; first: string; last: string }>`
      SELECT count(*)::int AS n, min(name) FILTER (WHERE email = 'bulk0@example.com') AS first,
             min(name) FILTER (WHERE email = 'bulk49999@example.com') AS last
      FROM tenant_acme.clients WHERE email LIKE 'bulk%'`.execute(tdb.db);
    expect(rows[0]).toEqual({ n: 50_000, first: 'Bulk client 0', last: 'Bulk client 49999' });
  });

  it('fails for good on a bad line, naming it, and imports none of the rows', async () => {
    const rows = Array.from({ length: 1200 }, (_, i) => `Client ${i},c${i}@example.com`);
    rows[1100] = ',nobody@example.com';
    await upload(headers.globex, 'bad.csv', `name,email\n${rows.join('\n')}\n`);
    const log = await run(headers.globex, { path: 'bad.csv' });
    expect(log.status).toBe('failed');
    expect(log.attempts).toBe(1);
    expect(log.error_message).toContain('line 1102: name is empty');
    expect(await clients('globex')).toEqual([]);

    for (const [body, message] of [
      ['name,shoe_size\nAnn,40\n', 'unknown column "shoe_size"'],
      ['name,email\nAnn\n', 'line 2: has 1 fields, the header 2'],
      ['name\n"unclosed\n', 'quote that is never closed'],
      ['email\nann@example.com\n', 'no name column'],
      ['name,email\nAnn,not-an-email\n', 'is not an email address'],
      ['', 'is empty'],
      [
        Buffer.concat([Buffer.from('name\nAnn\nBob'), Buffer.from([0xff]), Buffer.from('\n')]),
        'line 3: is not valid UTF-8',
      ],
    ] as const) {
      await upload(headers.globex, 'bad.csv', body);
      const failed = await run(headers.globex, { path: 'bad.csv' });
      expect(failed.status, message).toBe('failed');
      expect(failed.error_message, message).toContain(message);
    }
    expect(await clients('globex')).toEqual([]);
  });

  it("never reads another tenant's file, and refuses a changed file when pinned", async () => {
    await upload(headers.acme, 'private.csv', 'name\nAcme secret\n');
    const log = await run(headers.globex, { path: 'private.csv' });
    expect(log.status).toBe('failed');
    expect(log.error_message).toContain('file private.csv does not exist');
    // An admin dispatching for globex reaches globex's files only, too.
    const byAdmin = await app.inject({
      method: 'POST',
      url: '/api/jobs',
      headers: bearer(ADMIN_KEY),
      payload: { task: 'import-clients', tenant: 'globex', payload: { path: 'private.csv' } },
    });
    const adminLog = await waitForStatus(tdb.db, String(byAdmin.json().id), ['completed', 'failed']);
    expect(adminLog.error_message).toContain('does not exist');
    expect(await clients('globex')).toEqual([]);

    const { sha256 } = await upload(headers.acme, 'pinned.csv', 'name\nFirst\n');
    await upload(headers.acme, 'pinned.csv', 'name\nSecond\n');
    const pinned = await run(headers.acme, { path: 'pinned.csv', sha256 });
    expect(pinned.status).toBe('failed');
    expect(pinned.error_message).toContain('has changed');
  });

  it('refuses a bad path at dispatch with a 400 naming the field', async () => {
    const count = async () =>
      (await sql<{ n: number }>`SELECT count(*)::int AS n FROM tenantry.job_logs`.execute(tdb.db)).rows[0]!.n;
    const before = await count();
    for (const path of ['../x.csv', '/etc/passwd', '']) {
      const answer = await dispatch(headers.acme, { path });
      expect(answer.statusCode, path).toBe(400);
      expect(answer.json().field, path).toContain('path');
    }
    expect(await count()).toBe(before);
  });
});
