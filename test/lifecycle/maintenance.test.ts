import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMaintenance } from '../../src/lifecycle/maintenance.ts';
import { addTenant, type BackupHarness, backupHarness, expectAppError } from './fixtures.ts';

describe('tenant maintenance', () => {
  let h: BackupHarness;
  beforeAll(async () => {
    h = await backupHarness();
    await addTenant(h.tdb, 'tidy');
    await addTenant(h.tdb, 'other');
    for (const tenant of ['tidy', 'other']) {
      await sql`
        INSERT INTO tenantry.job_logs (tenant_id, task, queue, payload, meta, max_attempts, status, finished_at)
        VALUES (${tenant}, 'x', 'default', '{}', '{}', 1, 'completed', now() - interval '400 days'),
               (${tenant}, 'x', 'default', '{}', '{}', 1, 'failed', now() - interval '2 days'),
               (${tenant}, 'x', 'default', '{}', '{}', 1, 'pending', NULL)`.execute(h.tdb.db);
      await sql`
        INSERT INTO tenantry.tenant_events (tenant_id, type, data, created_at)
        VALUES (${tenant}, 'backed_up', '{}', now() - interval '500 days')`.execute(h.tdb.db);
    }
    // A bloated index: many rows, most of them deleted.
    await sql`
      INSERT INTO tenant_tidy.clients (name, created_at)
      SELECT 'c' || g, now() - g * interval '1 second' FROM generate_series(1, 60000) g`.execute(h.tdb.db);
    await sql`DELETE FROM tenant_tidy.clients WHERE id % 10 <> 0`.execute(h.tdb.db);
    // A stored file, an upload abandoned a day ago (its process died) and one still being written.
    await sql`
      WITH f AS (
        INSERT INTO tenant_tidy.files (path, content_type, stored_at, created_at)
        VALUES ('kept.csv', 'text/csv', now(), now() - interval '2 days'),
               (NULL, 'text/csv', NULL, now() - interval '1 day'),
               (NULL, 'text/csv', NULL, now())
        RETURNING id)
      INSERT INTO tenant_tidy.file_chunks (file_id, seq, data) SELECT id, 0, decode('00', 'hex') FROM f`.execute(
      h.tdb.db,
    );
  });
  afterAll(() => h.close());

  const counts = async (tenant: string) => {
    const { rows } = await sql<{ logs: string; events: string }>`
      SELECT (SELECT count(*) FROM tenantry.job_logs WHERE tenant_id = ${tenant}) AS logs,
             (SELECT count(*) FROM tenantry.tenant_events WHERE tenant_id = ${tenant}) AS events`.execute(
      h.tdb.db,
    );
    return rows[0];
  };
  const indexSize = async () => {
    const { rows } = await sql<{ bytes: string }>`
      SELECT pg_relation_size('tenant_tidy.clients_created_at_idx') AS bytes`.execute(h.tdb.db);
    return Number(rows[0]!.bytes);
  };

  it('reports with counts on a dry run and changes nothing', async () => {
    const before = { tidy: await counts('tidy'), size: await indexSize() };
    const report = await runMaintenance(h.deps(), 'tidy', {
      backup: true,
      vacuum: true,
      optimize: true,
      cleanupDays: 365,
      dryRun: true,
    });
    expect(report).toMatchObject({
      dry_run: true,
      backup: { file: null, pruned: 0 },
      cleanup: { job_logs: 1, tenant_events: 1, abandoned_uploads: 1, days: 365 },
      vacuumed: ['appointments', 'clients', 'file_chunks', 'file_imports', 'files'],
    });
    expect(report.reindexed?.map((i) => i.name)).toContain('clients_created_at_idx');
    expect({ tidy: await counts('tidy'), size: await indexSize() }).toEqual(before);
    const { rows } = await sql<{ n: string }>`SELECT count(*) AS n FROM tenantry.backups`.execute(h.tdb.db);
    expect(rows[0]!.n).toBe('0');
  });

  it('cleans up only the tenant’s old rows, vacuums, reindexes bloated indexes and records the run', async () => {
    const sizeBefore = await indexSize();
    const report = await runMaintenance(h.deps(), 'tidy', { vacuum: true, optimize: true, cleanupDays: 365 });
    expect(report.cleanup).toMatchObject({ job_logs: 1, tenant_events: 1, abandoned_uploads: 1 });
    // The abandoned upload's chunks went with it; the stored file and the fresh upload stay.
    const { rows: files } = await sql<{ path: string | null; chunks: number }>`
      SELECT f.path, (SELECT count(*)::int FROM tenant_tidy.file_chunks c WHERE c.file_id = f.id) AS chunks
      FROM tenant_tidy.files f ORDER BY f.id`.execute(h.tdb.db);
    expect(files).toEqual([
      { path: 'kept.csv', chunks: 1 },
      { path: null, chunks: 1 },
    ]);
    expect(
      (await sql<{ n: number }>`SELECT count(*)::int AS n FROM tenant_tidy.file_chunks`.execute(h.tdb.db))
        .rows[0]!.n,
    ).toBe(2);
    expect(await counts('tidy')).toEqual({ logs: '2', events: '1' });
    expect(await counts('other')).toEqual({ logs: '3', events: '1' });
    expect(report.reindexed?.map((i) => i.name)).toContain('clients_created_at_idx');
    expect(await indexSize()).toBeLessThan(sizeBefore);
    const again = await runMaintenance(h.deps(), 'tidy', { optimize: true });
    expect(again.reindexed).toEqual([]);
  });

  it('refuses an empty request and an unknown tenant', async () => {
    await expectAppError(runMaintenance(h.deps(), 'tidy', {}), 'validation_failed');
    await expectAppError(runMaintenance(h.deps(), 'nobody', { analyze: true }), 'not_found');
  });
});
