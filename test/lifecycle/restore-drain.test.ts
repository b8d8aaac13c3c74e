import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { findTenant } from '../../src/db/tenants.ts';
import { dispatchJobs } from '../../src/jobs/dispatch.ts';
import { createBackup, restoreBackup } from '../../src/lifecycle/backup/index.ts';
import { setActive } from '../../src/lifecycle/status.ts';
import { pauseTenantJobs } from '../../src/lifecycle/task-deps.ts';
import { registry } from '../../src/tasks/index.ts';
import type { WorkerService } from '../../src/worker/runner.ts';
import { PROBE_TABLE_DDL, probe } from '../fixtures/tasks.ts';
import { asAdmin } from '../helpers/database.ts';
import { jobLog, startTestWorker, waitForStatus } from '../helpers/worker.ts';
import {
  addTenant,
  type BackupHarness,
  backupHarness,
  expectAppError,
  schemaNames,
  seed,
  snapshot,
} from './fixtures.ts';

const tasks = registry.with([probe]);

/**
 * A restore swaps the tenant's schema only once the tenant's running jobs have ended: one
 * still running would commit into the copy set aside, or write into the restored data what it
 * read before. Jobs that outlive the wait fail the restore before anything changed.
 */
describe.skipIf(Boolean(inject('pgToolsMissing')))('a restore and the tenant’s running jobs', () => {
  let h: BackupHarness;
  let worker: WorkerService;

  const sleeper = async (tenant: string, ms: number) => {
    const [job] = await dispatchJobs(h.tdb.db, tasks, [
      { task: 'probe', tenant, payload: { mode: 'sleep', ms } },
    ]);
    await waitForStatus(h.tdb.db, job!.id, ['running']);
    return job!.id;
  };

  beforeAll(async () => {
    h = await backupHarness();
    await PROBE_TABLE_DDL.execute(h.tdb.db);
    for (const id of ['busy', 'stuck', 'orphaned']) {
      await addTenant(h.tdb, id);
      await seed(h.tdb, id, 10);
    }
    worker = await startTestWorker(h.tdb, { registry: tasks });
  });
  afterAll(async () => {
    await worker.stop();
    await h.close();
  });

  it('waits for a running job to end before it swaps the schema, whatever the tenant’s status', async () => {
    const backup = await createBackup(h.deps(), 'busy');
    const id = await sleeper('busy', 1500);
    // Deactivated by an operator after the job started: nothing to pause, the job still runs.
    await setActive(h.tdb.db, 'busy', false, 'closed for the night');
    const restored = await restoreBackup(
      h.deps({ pauseJobs: (tenant) => pauseTenantJobs({ controlDb: h.tdb.db }, tenant, 20_000) }),
      'busy',
      { file: backup.fileName },
    );
    expect(restored.backup.fileName).toBe(backup.fileName);
    // Without the wait the restore ended (well under 1.5 s) while the job still ran.
    await waitForStatus(h.tdb.db, id, ['completed']);
    const log = await jobLog(h.tdb.db, id);
    const { rows } = await sql<{ at: Date }>`
      SELECT created_at AS at FROM tenantry.tenant_events WHERE tenant_id = 'busy' AND type = 'restored'`.execute(
      h.tdb.db,
    );
    expect(log.finished_at!.getTime()).toBeLessThanOrEqual(rows[0]!.at.getTime());
    expect(await findTenant(h.tdb.db, 'busy')).toMatchObject({
      status: 'inactive',
      status_reason: 'closed for the night',
    });
  });

  it('fails before changing anything when a job outlives the wait, and puts the status back', async () => {
    const backup = await createBackup(h.deps(), 'stuck');
    await sql`DELETE FROM "tenant_stuck".clients WHERE id % 2 = 0`.execute(h.tdb.db);
    const before = await snapshot(h.tdb, 'stuck');
    const id = await sleeper('stuck', 4000);
    const refused = await expectAppError(
      restoreBackup(
        h.deps({ pauseJobs: (tenant) => pauseTenantJobs({ controlDb: h.tdb.db }, tenant, 500) }),
        'stuck',
        { file: backup.fileName },
      ),
      'conflict',
      'tenant_jobs_running',
    );
    expect(refused.message).toMatch(
      /^1 job of tenant stuck still running after 0.5 s with its jobs paused; nothing was restored/,
    );
    expect(await snapshot(h.tdb, 'stuck')).toEqual(before);
    expect((await findTenant(h.tdb.db, 'stuck'))?.status).toBe('active');
    await waitForStatus(h.tdb.db, id, ['completed']);
  });

  it('stops before setting the schema aside when its lock was lost meanwhile (the session ended)', async () => {
    const backup = await createBackup(h.deps(), 'orphaned');
    await sql`DELETE FROM "tenant_orphaned".clients WHERE id % 2 = 0`.execute(h.tdb.db);
    const before = await snapshot(h.tdb, 'orphaned');
    let resumed = false;
    // While the restore waits for the tenant's jobs its lock's session is ended (an operator,
    // a dropped connection): the background check would now take the restore for a dead one.
    const loseLock = async () => {
      await asAdmin(`
        SELECT pg_terminate_backend(l.pid) FROM pg_locks l JOIN pg_database d ON d.oid = l.database
        WHERE d.datname = '${h.tdb.name}' AND l.locktype = 'advisory' AND l.granted
          AND l.classid = 7345004 AND l.objid = hashtext('orphaned')::oid`);
      return async () => {
        resumed = true;
      };
    };
    const refused = await expectAppError(
      restoreBackup(h.deps({ pauseJobs: loseLock }), 'orphaned', { file: backup.fileName }),
      'unavailable',
      'backup_lock_lost',
    );
    expect(refused.message).toMatch(/^the backup lock of tenant orphaned was lost/);
    expect(await snapshot(h.tdb, 'orphaned')).toEqual(before);
    expect(await schemaNames(h.tdb, 'orphaned')).toEqual(['tenant_orphaned']);
    expect(resumed).toBe(true);
  });
});
