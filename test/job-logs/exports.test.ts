import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/http/app.ts';
import { pauseTenant, resumeTenant } from '../../src/jobs/tenant-limits.ts';
import { dispatch, registry } from '../../src/tasks/index.ts';
import { tenantSchema } from '../../src/tenancy.ts';
import type { WorkerService } from '../../src/worker/runner.ts';
import { ADMIN_KEY, bearer, buildTestApp, tenantsWithKeys } from '../helpers/app.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { startTestWorker, waitForStatus } from '../helpers/worker.ts';

// More than one export batch (10,000 rows), so batches must join seamlessly.
const CLIENTS = 25_000;

describe('exports', () => {
  let tdb: TestDatabase;
  let app: App;
  let base: string;
  let acme: Record<string, string>;
  let globex: Record<string, string>;
  let worker: WorkerService | undefined;

  const post = (payload: object, headers = acme) =>
    app.inject({ method: 'POST', url: '/api/exports', headers, payload });
  const status = (id: string, headers = acme) =>
    app.inject({ method: 'GET', url: `/api/exports/${id}/status`, headers });
  const finish = async (jobLogId: string) => {
    worker ??= await startTestWorker(tdb, { registry });
    await waitForStatus(tdb.db, jobLogId, ['completed', 'failed', 'cancelled'], 60_000);
  };

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    ({ acme, globex } = await tenantsWithKeys(tdb, 'acme', 'globex'));
    await sql`INSERT INTO ${sql.table(`${tenantSchema('acme')}.clients`)} (name, email)
      SELECT CASE WHEN i % 100 = 0 THEN 'John "Q", ' || i ELSE 'Client ' || i END, 'c' || i || '@example.com'
      FROM generate_series(1, ${CLIENTS}) i`.execute(tdb.db);
    app = await buildTestApp(tdb.db, {}, registry);
    base = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await worker?.stop();
    await app.close();
    await tdb.close();
  });

  it('refuses an unknown export type or filter, naming it', async () => {
    const type = await post({ export_type: 'users' });
    expect(type.statusCode).toBe(400);
    expect(type.json().field).toBe('export_type');
    const filter = await post({ export_type: 'clients', filters: { colour: 'red' } });
    expect(filter.statusCode).toBe(400);
    expect(filter.json().field).toBe('filters.colour');
    const admin = await post({ export_type: 'clients' }, bearer(ADMIN_KEY));
    expect(admin.json().field).toBe('tenant');
  });

  it('exports clients to CSV: 409 until complete, then a streamed download with its headers', async () => {
    const created = await post({ export_type: 'clients', format: 'csv' });
    expect(created.statusCode).toBe(202);
    const { id, job_log_id } = created.json();
    expect((await status(id)).json()).toMatchObject({ status: 'pending', download_url: null });
    const early = await app.inject({ method: 'GET', url: `/api/exports/${id}/download`, headers: acme });
    expect(early.statusCode).toBe(409);

    await finish(job_log_id);
    const done = (await status(id)).json();
    expect(done).toMatchObject({ status: 'completed', progress: 100, row_count: CLIENTS });

    const res = await fetch(`${base}/api/exports/${id}/download`, { headers: acme });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="clients-${id}.csv"`);
    const body = Buffer.from(await res.arrayBuffer());
    expect(Number(res.headers.get('content-length'))).toBe(body.length);
    expect(body.length).toBe(done.byte_size);
    const text = body.toString('utf8');
    expect(text.split('\n')[0]).toBe('id,name,email,phone,company_context,created_at,updated_at');
    expect(text).toContain('"John ""Q"", 100"');
    expect(text.trimEnd().split('\n')).toHaveLength(CLIENTS + 1);
  });

  it('refuses a date filter PostgreSQL would not read, or an inherited name, before writing anything', async () => {
    const count = async () =>
      (await sql<{ n: number }>`SELECT count(*)::int AS n FROM tenantry.exports`.execute(tdb.db)).rows[0]!.n;
    const before = await count();
    for (const value of [
      '1',
      '2024-02-30',
      '2023-02-29',
      '+275760-09-13T00:00:00Z',
      '0000-01-01T00:00:00Z',
      'Tue',
      // Beyond the ±15:59 zone offsets PostgreSQL reads.
      '2024-01-01T00:00:00+16:00',
      '2024-01-01T00:00:00-23:59',
    ]) {
      const res = await post({ export_type: 'clients', filters: { created_after: value } });
      expect(res.statusCode, value).toBe(400);
      expect(res.json()).toMatchObject({ field: 'filters.created_after' });
      expect(res.json().detail).toContain('must be a date-time');
    }
    const weird = await post({ export_type: 'job_logs', filters: { status: 'weird' } });
    expect(weird.statusCode).toBe(400);
    expect(weird.json()).toMatchObject({ field: 'filters.status' });
    expect(weird.json().detail).toContain('must be one of "pending"');
    for (const name of ['constructor', 'toString', 'hasOwnProperty']) {
      const res = await post({ export_type: 'job_logs', filters: JSON.parse(`{"${name}": "x"}`) });
      expect(res.statusCode, name).toBe(400);
      expect(res.json().field).toBe(`filters.${name}`);
    }
    expect(await count()).toBe(before);

    // What is accepted, the export's query reads: each of these completes.
    for (const value of [
      '2024-02-29',
      '2026-01-31T10:00:00+02:00',
      '2026-01-31 10:00:00.123456z',
      '2026-01-31T10:00:00-15:59',
    ]) {
      const res = await post({ export_type: 'clients', filters: { created_before: value } });
      expect(res.statusCode, value).toBe(202);
      await finish(res.json().job_log_id);
      expect((await status(res.json().id)).json().status, value).toBe('completed');
    }
  });

  it('exports filtered rows to JSON, and lists this tenant’s exports only', async () => {
    const { id, job_log_id } = (
      await post({ export_type: 'clients', format: 'json', filters: { search: 'john' } })
    ).json();
    await finish(job_log_id);
    const res = await app.inject({ method: 'GET', url: `/api/exports/${id}/download`, headers: acme });
    expect(res.headers['content-type']).toBe('application/json');
    const rows = res.json();
    expect(rows).toHaveLength(CLIENTS / 100);
    expect(rows[0]).toMatchObject({ id: 100, email: 'c100@example.com' });

    const mine = (await app.inject({ method: 'GET', url: '/api/exports/status', headers: acme })).json();
    expect(mine.exports[0].id).toBe(id);
    const theirs = (await app.inject({ method: 'GET', url: '/api/exports/status', headers: globex })).json();
    expect(theirs.exports).toEqual([]);
    // An admin narrows to one tenant; a tenant key naming another is a 404.
    const admin = bearer(ADMIN_KEY);
    const forAcme = await app.inject({
      method: 'GET',
      url: '/api/exports/status?tenant=acme',
      headers: admin,
    });
    expect(forAcme.json().exports.map((e: { id: string }) => e.id)).toContain(id);
    const forGlobex = await app.inject({
      method: 'GET',
      url: '/api/exports/status?tenant=globex',
      headers: admin,
    });
    expect(forGlobex.json().exports).toEqual([]);
    const across = await app.inject({
      method: 'GET',
      url: '/api/exports/status?tenant=acme',
      headers: globex,
    });
    expect(across.statusCode).toBe(404);
    expect((await status(id, globex)).statusCode).toBe(404);
    const download = await app.inject({ method: 'GET', url: `/api/exports/${id}/download`, headers: globex });
    expect(download.statusCode).toBe(404);
  });

  it('keeps awkward text intact in both formats, and writes empty exports as a header or []', async () => {
    const awkward = 'He said "hi", then\nleft \\ \u0001 ñandú';
    await sql`INSERT INTO ${sql.table(`${tenantSchema('globex')}.clients`)} (name, email)
      VALUES (${awkward}, 'odd@example.com')`.execute(tdb.db);
    const download = async (payload: object) => {
      const { id, job_log_id } = (await post(payload, globex)).json();
      await finish(job_log_id);
      return app.inject({ method: 'GET', url: `/api/exports/${id}/download`, headers: globex });
    };
    const json = await download({ export_type: 'clients', format: 'json' });
    expect(json.json()).toEqual([expect.objectContaining({ name: awkward, email: 'odd@example.com' })]);
    const csv = await download({ export_type: 'clients', format: 'csv' });
    expect(csv.body).toContain(`,"He said ""hi"", then\nleft \\ \u0001 ñandú",odd@example.com,`);
    const none = { export_type: 'clients', filters: { search: 'nobody' } };
    expect((await download({ ...none, format: 'json' })).json()).toEqual([]);
    expect((await download({ ...none, format: 'csv' })).body).toBe(
      'id,name,email,phone,company_context,created_at,updated_at\n',
    );
  });

  it('writes text a spreadsheet would run as a formula inert in CSV files, unchanged in JSON', async () => {
    const names = [
      '=HYPERLINK("http://x","formula")',
      '+formula',
      '-formula',
      '@formula',
      '\tformula',
      'a formula',
    ];
    for (const name of names) {
      await sql`INSERT INTO ${sql.table(`${tenantSchema('globex')}.clients`)} (name, phone)
        VALUES (${name}, '+34 600 000 000')`.execute(tdb.db);
    }
    const download = async (format: string) => {
      const { id, job_log_id } = (
        await post({ export_type: 'clients', format, filters: { search: 'formula' } }, globex)
      ).json();
      await finish(job_log_id);
      return app.inject({ method: 'GET', url: `/api/exports/${id}/download`, headers: globex });
    };
    const csv = (await download('csv')).body.trimEnd().split('\n').slice(1);
    expect(csv.map((line) => line.split(',')[1])).toEqual([
      `"'=HYPERLINK(""http://x""`,
      "'+formula",
      "'-formula",
      "'@formula",
      "'\tformula",
      'a formula',
    ]);
    // A number or a phone number is no formula: the phone column stays as written.
    expect(csv.map((line) => line.split(',').at(-4))).toEqual(names.map(() => '+34 600 000 000'));
    expect(csv[0]).toMatch(/^\d+,/);
    expect((await download('json')).json().map((r: { name: string }) => r.name)).toEqual(names);
  });

  it('exports the tenant’s own job logs', async () => {
    const { id, job_log_id } = (await post({ export_type: 'job_logs', format: 'json' })).json();
    await finish(job_log_id);
    const rows = (
      await app.inject({ method: 'GET', url: `/api/exports/${id}/download`, headers: acme })
    ).json();
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r: { task: string }) => r.task === 'export-data')).toBe(true);
  });

  it('reports a failed export without the server’s paths', async () => {
    const { id, job_log_id } = (await post({ export_type: 'appointments' })).json();
    await finish(job_log_id);
    // Made to look failed once nothing else writes its log: the message an unwritable DATA_DIR leaves.
    await tdb.db.updateTable('tenantry.exports').set({ completed_at: null }).where('id', '=', id).execute();
    await tdb.db
      .updateTable('tenantry.job_logs')
      .set({ status: 'failed', error_message: `EACCES: permission denied, open '${process.cwd()}/.data/x'` })
      .where('id', '=', job_log_id)
      .execute();
    expect((await status(id)).json()).toMatchObject({
      status: 'failed',
      error_message: "EACCES: permission denied, open '.data/x'",
    });
  });

  it('removes expired exports and their chunks with the expiry task, and serves none in between', async () => {
    const { id, job_log_id } = (await post({ export_type: 'appointments' })).json();
    await finish(job_log_id);
    await tdb.db
      .updateTable('tenantry.exports')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('id', '=', id)
      .execute();
    // Expired and not yet swept (the sweep runs hourly): gone for every reader already.
    expect((await status(id)).statusCode).toBe(404);
    const early = await app.inject({ method: 'GET', url: `/api/exports/${id}/download`, headers: acme });
    expect(early.statusCode).toBe(404);
    const listed = (await app.inject({ method: 'GET', url: '/api/exports/status', headers: acme })).json();
    expect(listed.exports.map((e: { id: string }) => e.id)).not.toContain(id);
    // A system task: the crontab dispatches it, no API key can.
    const { id: expiryLog } = await dispatch(tdb.db, 'export-expiry', {});
    expect((await waitForStatus(tdb.db, expiryLog, ['completed', 'failed'])).result).toEqual({ removed: 1 });
    expect((await status(id)).statusCode).toBe(404);
    const chunks = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM tenantry.export_chunks WHERE export_id = ${id}`.execute(tdb.db);
    expect(chunks.rows[0]!.n).toBe(0);
  });

  it('keeps an export that has not run yet past its time, and starts its window when its file is written', async () => {
    await pauseTenant(tdb.db, 'globex');
    const { id, job_log_id } = (await post({ export_type: 'appointments' }, globex)).json();
    // Requested 200 hours ago with the default 168-hour window, still waiting (paused).
    await sql`UPDATE tenantry.exports SET created_at = now() - interval '200 hours',
      expires_at = now() - interval '32 hours' WHERE id = ${id}`.execute(tdb.db);
    const { id: expiryLog } = await dispatch(tdb.db, 'export-expiry', {});
    expect((await waitForStatus(tdb.db, expiryLog, ['completed', 'failed'])).result).toEqual({ removed: 0 });
    expect((await status(id, globex)).json()).toMatchObject({ status: 'pending' });

    await resumeTenant(tdb.db, 'globex');
    await finish(job_log_id);
    const done = (await status(id, globex)).json();
    expect(done).toMatchObject({ status: 'completed', progress: 100 });
    const window = new Date(done.expires_at).getTime() - new Date(done.completed_at).getTime();
    expect(Math.abs(window - 168 * 3_600_000)).toBeLessThan(60_000);
  });

  it('matches a search literally: % and _ are not wildcards', async () => {
    await sql`INSERT INTO ${sql.table(`${tenantSchema('acme')}.clients`)} (name, email)
      VALUES ('Carl_X', 'carl@example.net'), ('100% Bob', 'bob@example.net')`.execute(tdb.db);
    const names = async (search: string) => {
      const { id, job_log_id } = (
        await post({ export_type: 'clients', format: 'json', filters: { search } })
      ).json();
      await finish(job_log_id);
      const res = await app.inject({ method: 'GET', url: `/api/exports/${id}/download`, headers: acme });
      return res.json().map((r: { name: string }) => r.name);
    };
    expect(await names('_')).toEqual(['Carl_X']);
    expect(await names('%')).toEqual(['100% Bob']);
    expect(await names('l_x')).toEqual(['Carl_X']);
  });

  it('reads date filters and writes timestamps in UTC whatever the database TimeZone', async () => {
    await sql`ALTER DATABASE ${sql.id(tdb.name)} SET timezone = 'Asia/Tokyo'`.execute(tdb.db);
    await sql`INSERT INTO ${sql.table(`${tenantSchema('acme')}.appointments`)} (client_id, starts_at, service)
      VALUES (1, '2030-01-01T20:00:00Z', 'late')`.execute(tdb.db);
    // 20:00 UTC on 1 January is before midnight UTC of the 2nd (in Tokyo it is the 2nd already).
    const csv = async (filters: object) => {
      const { id, job_log_id } = (await post({ export_type: 'appointments', filters })).json();
      await finish(job_log_id);
      const res = await app.inject({ method: 'GET', url: `/api/exports/${id}/download`, headers: acme });
      return res.body.trimEnd().split('\n').slice(1);
    };
    expect(await csv({ starts_after: '2030-01-02' })).toEqual([]);
    const rows = await csv({ starts_after: '2030-01-01' });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toContain('2030-01-01 20:00:00+00');
  });
});
