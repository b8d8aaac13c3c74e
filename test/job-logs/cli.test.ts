import { readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registry } from '../../src/tasks/index.ts';
import { tenantSchema } from '../../src/tenancy.ts';
import type { WorkerService } from '../../src/worker/runner.ts';
import { runCli } from '../helpers/cli.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { createTenantWithSchema, startTestWorker } from '../helpers/worker.ts';

describe('tenantry jobs logs|stats and exports', () => {
  let tdb: TestDatabase;
  let worker: WorkerService;
  const file = join(tmpdir(), `tenantry-export-${process.pid}.csv`);
  const tenantry = (args: string[]) => runCli(args, { DATABASE_URL: tdb.url, LOG_LEVEL: 'warn' });

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    await createTenantWithSchema(tdb, { id: 'acme' });
    await createTenantWithSchema(tdb, { id: 'umbrella' });
    await sql`INSERT INTO ${sql.table(`${tenantSchema('acme')}.clients`)} (name)
      SELECT 'Client ' || i FROM generate_series(1, 250) i`.execute(tdb.db);
    worker = await startTestWorker(tdb, { registry });
  });
  afterAll(async () => {
    await worker.stop();
    await tdb.close();
    await rm(file, { force: true });
  });

  it('creates an export, follows it to completion, shows it and downloads it', async () => {
    const created = await tenantry(['exports', 'create', '--tenant', 'acme', '--type', 'clients']);
    expect(created.stderr).not.toMatch(/error/i);
    expect(created.code).toBe(0);
    const id = created.stdout.match(/export (\d+) \(job log \d+\)/)![1]!;
    expect(created.stdout).toContain(`export ${id} completed`);

    const status = await tenantry(['exports', 'status', '--tenant', 'acme']);
    expect(status.stdout).toMatch(
      new RegExp(`^${id}\\s+acme\\s+clients\\s+csv\\s+completed\\s+100\\s+250`, 'm'),
    );

    const download = await tenantry(['exports', 'download', id, '-o', file]);
    expect(download.code).toBe(0);
    const text = await readFile(file, 'utf8');
    expect(text.trimEnd().split('\n')).toHaveLength(251);

    // An existing file is replaced only when asked, and a download that fails part-way leaves
    // it as it was, with nothing else beside it.
    const again = await tenantry(['exports', 'download', id, '-o', file]);
    expect(again.code).toBe(1);
    expect(again.stderr.trim()).toBe(`tenantry: ${file} exists; pass --force to replace it`);
    await sql`DELETE FROM tenantry.export_chunks WHERE export_id = ${id} AND seq = 0`.execute(tdb.db);
    const broken = await tenantry(['exports', 'download', id, '-o', file, '--force']);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain('missing chunk 0');
    expect(await readFile(file, 'utf8')).toBe(text);
    expect((await readdir(dirname(file))).filter((f) => f.includes(basename(file)))).toEqual([
      basename(file),
    ]);
  });

  it('deletes a finished export, and says so when there is none', async () => {
    const created = await tenantry(['exports', 'create', '--tenant', 'umbrella', '--type', 'clients']);
    const id = created.stdout.match(/export (\d+) \(job log \d+\)/)![1]!;
    expect(created.stdout).toContain(`export ${id} completed`);
    const deleted = await tenantry(['exports', 'delete', id]);
    expect(deleted.code).toBe(0);
    expect(deleted.stdout).toContain(`export ${id} deleted`);
    const again = await tenantry(['exports', 'delete', id]);
    expect(again.code).toBe(1);
    expect(again.stderr.trim().split('\n')).toHaveLength(1);
    expect(again.stderr).toContain(`export ${id} was not found`);
  });

  it('refuses an unknown filter, naming it', async () => {
    const res = await tenantry([
      'exports',
      'create',
      '--tenant',
      'acme',
      '--type',
      'clients',
      '--filter',
      'colour=red',
    ]);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain('filters.colour');
  });

  it('lists job logs and stats as tables', async () => {
    const logs = await tenantry(['jobs', 'logs', '--tenant', 'acme', '--task', 'export-data']);
    expect(logs.code).toBe(0);
    expect(logs.stdout.split('\n')[0]).toMatch(/^ID\s+TENANT\s+TASK\s+STATUS/);
    expect(logs.stdout).toMatch(/acme\s+export-data\s+completed/);
    const stats = await tenantry(['jobs', 'stats', '--tenant', 'acme']);
    expect(stats.code).toBe(0);
    expect(stats.stdout).toMatch(/^export-data\s+1\s+1\s+0/m);
  });
});
