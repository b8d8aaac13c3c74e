import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { registry } from '../../src/tasks/index.ts';
import { tenantSchema } from '../../src/tenancy.ts';
import { runCli } from '../helpers/cli.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { createTenantWithSchema, jobLog, startTestWorker, waitForStatus } from '../helpers/worker.ts';

/** The job log a lifecycle command named on its first line of stderr. */
const jobLogId = (stderr: string) => {
  const id = /^job log (\d+): tenant-\w+ \(tenantry jobs show \d+\)$/m.exec(stderr)?.[1];
  expect(id, stderr).toBeDefined();
  return id!;
};

// Backups, restores and maintenance from the CLI run as jobs (DESIGN: "Both run as jobs, so
// they have job logs"), like the API's and the crontab's.
describe.skipIf(Boolean(inject('pgToolsMissing')))(
  'tenantry tenants backup / restore / maintenance as jobs',
  { timeout: 180_000 },
  () => {
    let tdb: TestDatabase;
    let backupDir: string;
    const tenantry = (args: string[]) =>
      runCli(args, { DATABASE_URL: tdb.url, LOG_LEVEL: 'warn', BACKUP_DIR: backupDir });

    beforeAll(async () => {
      tdb = await cloneTestDatabase();
      backupDir = await mkdtemp(path.join(os.tmpdir(), 'tenantry-cli-jobs-'));
      await createTenantWithSchema(tdb, { id: 'ops' });
      await createTenantWithSchema(tdb, { id: 'gone' });
    });
    afterAll(async () => {
      await tdb.close();
      await rm(backupDir, { recursive: true, force: true });
    });

    it('with no worker running, runs its own job to the end and leaves its job log', async () => {
      const backup = await tenantry(['tenants', 'backup', '--tenant', 'ops', '--keep', '3']);
      expect(backup.code, backup.stderr).toBe(0);
      expect(backup.stdout).toMatch(/^ops\s+tenant_ops_\S+\.dump\s+\S+ KiB\s+0$/m);
      const log = await jobLog(tdb.db, jobLogId(backup.stderr));
      expect(log).toMatchObject({
        task: 'tenant-backup',
        status: 'completed',
        source_type: 'tenant',
        source_id: 'ops',
        payload: { tenant: 'ops', keep: 3 },
        attempts: 1,
      });
      // Ahead of the crontab's and the API's lifecycle jobs: an operator waits at a terminal.
      expect(log.priority).toBeLessThan(0);
      expect(log.result).toMatchObject({ tenants: 1, failed: 0, results: { ops: { pruned: 0 } } });
      // The command's own worker took that job and left: no worker is registered after it.
      expect(await tdb.db.selectFrom('tenantry.workers').select('id').execute()).toEqual([]);

      const shown = await tenantry(['jobs', 'show', log.id]);
      expect(shown.code, shown.stderr).toBe(0);
      expect(shown.stdout).toMatch(
        new RegExp(`^job log ${log.id}: tenant-backup, central \\(source tenant ops\\)$`, 'm'),
      );
      expect(shown.stdout).toMatch(/^status:\s+completed$/m);
      expect(shown.stdout).toMatch(/^result:\s+\{.*"tenants":1/m);
      const json = JSON.parse((await tenantry(['jobs', 'show', log.id, '--json'])).stdout);
      expect(json).toMatchObject({ id: log.id, status: 'completed', task: 'tenant-backup' });
      const missing = await tenantry(['jobs', 'show', '999999']);
      expect([missing.code, missing.stderr.trim()]).toEqual([1, 'tenantry: job log 999999 was not found']);

      const restored = await tenantry(['tenants', 'restore', 'ops', '--latest']);
      expect(restored.code, restored.stderr).toBe(0);
      expect(restored.stdout).toMatch(/^restored ops from tenant_ops_\S+\.dump in \d+ ms$/m);
      expect(await jobLog(tdb.db, jobLogId(restored.stderr))).toMatchObject({
        task: 'tenant-restore',
        status: 'completed',
      });
    });

    it('a job that fails is one line naming its job log, and exit 1', async () => {
      await sql`DROP SCHEMA ${sql.id(tenantSchema('gone'))} CASCADE`.execute(tdb.db);
      const backup = await tenantry(['tenants', 'backup', '--tenant', 'gone']);
      expect(backup.code).toBe(1);
      const id = jobLogId(backup.stderr);
      expect(backup.stderr).toMatch(
        new RegExp(`^tenantry: backup failed for 1 of 1 tenants \\(gone: .+\\) \\(job log ${id}\\)$`, 'm'),
      );
      expect((await jobLog(tdb.db, id)).status).toBe('failed');
      // Refused before any job exists: a wrong name, an unknown tenant.
      const before = await tdb.db.selectFrom('tenantry.job_logs').select('id').execute();
      const wrong = await tenantry(['tenants', 'restore', 'ops', '--backup', 'tenant_ops_x.dump']);
      expect(wrong.code).toBe(1);
      expect(wrong.stderr.trim().split('\n')).toHaveLength(1);
      expect(
        (await tenantry(['tenants', 'maintenance', '--tenant', 'nosuch', '--analyze'])).stderr.trim(),
      ).toBe('tenantry: tenant nosuch was not found');
      expect(await tdb.db.selectFrom('tenantry.job_logs').select('id').execute()).toEqual(before);
    });

    it('with a worker running, follows the job that worker runs; --no-wait returns at once', async () => {
      const worker = await startTestWorker(tdb, { registry });
      try {
        const maintenance = await tenantry(['tenants', 'maintenance', '--tenant', 'ops', '--analyze']);
        expect(maintenance.code, maintenance.stderr).toBe(0);
        expect(JSON.parse(maintenance.stdout)).toMatchObject({ tenant: 'ops', dry_run: false });
        expect((await jobLog(tdb.db, jobLogId(maintenance.stderr))).status).toBe('completed');
        // The worker ran it, not the command.
        expect(worker.stats().processed).toBe(1);

        const queued = await tenantry(['tenants', 'backup', '--tenant', 'ops', '--no-wait']);
        expect([queued.code, queued.stdout]).toEqual([0, '']);
        await waitForStatus(tdb.db, jobLogId(queued.stderr), ['completed'], 30_000);
        expect(worker.stats().processed).toBe(2);
      } finally {
        await worker.stop();
      }
    });
  },
);
