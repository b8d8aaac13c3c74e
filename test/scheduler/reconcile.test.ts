import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DispatchSpec, dispatchJobs } from '../../src/jobs/dispatch.ts';
import { registry } from '../../src/tasks/index.ts';
import { PROBE_TABLE_DDL, probe } from '../fixtures/tasks.ts';
import { runCli } from '../helpers/cli.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { createTenantWithSchema, startTestWorker, waitForStatus } from '../helpers/worker.ts';

const tasks = registry.with([probe]);

describe('lane accounting reconcile', () => {
  let tdb: TestDatabase;
  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    await PROBE_TABLE_DDL.execute(tdb.db);
    await createTenantWithSchema(tdb, { id: 'acme' });
  });
  afterAll(async () => {
    await tdb.close();
  });

  const reconcile = async (repair: boolean) =>
    (
      await sql<{ lane: string; recorded: number; actual: number; vanished: number }>`
        SELECT * FROM tenantry.reconcile_lanes(${repair})`.execute(tdb.db)
    ).rows;

  /**
   * A tenant job left as graphile-worker leaves one whose task function threw on its last
   * attempt with no outcome of ours written: kept, unlocked, attempts used up. Returns its log
   * id and the graphile-worker job's.
   */
  const abandon = async (tenant: string, error: string, also: DispatchSpec[] = []) => {
    await createTenantWithSchema(tdb, { id: tenant });
    const [job, ...others] = await dispatchJobs(tdb.db, tasks, [
      { task: 'probe', tenant, payload: { mode: 'ok' } },
      ...also,
    ]);
    await sql`SELECT tenantry.admit(100)`.execute(tdb.db);
    const { rows } = await sql<{ id: string }>`
      SELECT f.id FROM graphile_worker.permanently_fail_jobs(
        ARRAY(SELECT job_id FROM tenantry.lane_jobs WHERE log_id = ${job!.id} AND job_id IS NOT NULL),
        ${error}) f`.execute(tdb.db);
    expect(rows).toHaveLength(1);
    return { log: job!.id, jobId: rows[0]!.id, others };
  };

  it('reports a lane whose count drifted, repairs it, and then finds nothing', async () => {
    await dispatchJobs(tdb.db, tasks, [
      { task: 'probe', tenant: 'acme', payload: { mode: 'ok' }, delayMs: 600_000 },
    ]);
    await sql`UPDATE tenantry.lanes SET inflight = 3 WHERE name = 'tenant_acme_default'`.execute(tdb.db);
    const drift = [{ lane: 'tenant_acme_default', recorded: 3, actual: 0, vanished: 0 }];
    expect(await reconcile(false)).toEqual(drift);
    expect(await reconcile(false)).toEqual(drift);
    expect(await reconcile(true)).toEqual(drift);
    expect(await reconcile(true)).toEqual([]);
  });

  it('unblocks a lane a drifted count had filled: the worker’s reconcile repairs it and the job runs', async () => {
    await sql`UPDATE tenantry.lanes SET inflight = 1 WHERE name = 'tenant_acme_default'`.execute(tdb.db);
    const [job] = await dispatchJobs(tdb.db, tasks, [
      { task: 'probe', tenant: 'acme', payload: { mode: 'ok' } },
    ]);
    const worker = await startTestWorker(tdb, { registry: tasks, env: { RECONCILE_INTERVAL_MS: '1000' } });
    try {
      await waitForStatus(tdb.db, job!.id, ['completed'], 20_000);
    } finally {
      await worker.stop();
    }
    const lane = await sql<{ inflight: number }>`
      SELECT inflight - (SELECT coalesce(sum(n), 0) FROM tenantry.lane_releases WHERE lane = name) AS inflight
      FROM tenantry.lanes WHERE name = 'tenant_acme_default'`.execute(tdb.db);
    expect(Number(lane.rows[0]?.inflight)).toBe(0);
  });

  it('wakes a lane whose due time no longer covered its waiting job: the job runs', async () => {
    await createTenantWithSchema(tdb, { id: 'asleep' });
    // No worker yet: the job waits; then its lane loses its due time (as a defect would leave it).
    const [job] = await dispatchJobs(tdb.db, tasks, [
      { task: 'probe', tenant: 'asleep', payload: { mode: 'ok' } },
    ]);
    await sql`UPDATE tenantry.lanes SET due = NULL WHERE name = 'tenant_asleep_default'`.execute(tdb.db);
    const worker = await startTestWorker(tdb, { registry: tasks, env: { RECONCILE_INTERVAL_MS: '1000' } });
    try {
      await waitForStatus(tdb.db, job!.id, ['completed'], 20_000);
    } finally {
      await worker.stop();
    }
  });

  it('fails a laned job graphile-worker failed for good with its log open, freeing its slot', async () => {
    const {
      log: id,
      jobId,
      others,
    } = await abandon('dropped', 'the outcome could not be written', [
      { task: 'probe', tenant: 'dropped', payload: { mode: 'ok' }, delayMs: 600_000 },
    ]);
    expect(await reconcile(true)).toEqual([]);

    const { rows: failed } = await sql<{ log_id: string; lane: string; last_error: string }>`
      SELECT * FROM tenantry.fail_abandoned_laned()`.execute(tdb.db);
    expect(failed).toEqual([
      { log_id: id, lane: 'tenant_dropped_default', last_error: 'the outcome could not be written' },
    ]);
    const log = await waitForStatus(tdb.db, id, ['failed'], 1000);
    // Every attempt counted: graphile-worker ended the job once all it had left were used.
    expect(log).toMatchObject({
      attempts: log.max_attempts,
      error_message: 'the outcome could not be written',
    });
    expect(log.finished_at).not.toBeNull();
    const { rows: left } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM graphile_worker.jobs WHERE id = ${jobId}`.execute(tdb.db);
    expect(left[0]!.n).toBe(0);
    // Its slot is free (the release folds in the next pass); the delayed job still waits.
    await sql`SELECT tenantry.admit(100)`.execute(tdb.db);
    const { rows: lane } = await sql<{ inflight: number }>`
      SELECT inflight FROM tenantry.lanes WHERE name = 'tenant_dropped_default'`.execute(tdb.db);
    expect(lane[0]!.inflight).toBe(0);
    expect((await waitForStatus(tdb.db, others[0]!.id, ['pending'], 1000)).status).toBe('pending');
    // Found once: a second run (another worker's reconcile) has nothing left to do.
    expect((await sql`SELECT * FROM tenantry.fail_abandoned_laned()`.execute(tdb.db)).rows).toEqual([]);
  });

  it('has the worker’s reconcile fail such a job', async () => {
    const { log: id } = await abandon('dropped2', 'failed for good');
    const worker = await startTestWorker(tdb, { registry: tasks, env: { RECONCILE_INTERVAL_MS: '1000' } });
    try {
      const log = await waitForStatus(tdb.db, id, ['failed'], 20_000);
      expect(log.error_message).toBe('failed for good');
    } finally {
      await worker.stop();
    }
  });

  it('lists such a job with `tenantry jobs reconcile --dry-run` and fails it without', async () => {
    const { log: id } = await abandon('dropped3', 'gone');
    const tenantry = (args: string[]) => runCli(args, { DATABASE_URL: tdb.url, LOG_LEVEL: 'warn' });
    const dry = await tenantry(['jobs', 'reconcile', '--dry-run', '--json']);
    expect(dry.code, dry.stderr).toBe(0);
    const abandoned = [{ id: id, lane: 'tenant_dropped3_default', error: 'gone' }];
    expect(JSON.parse(dry.stdout)).toMatchObject({ abandoned });
    expect((await waitForStatus(tdb.db, id, ['pending'], 1000)).status).toBe('pending');
    const repaired = await tenantry(['jobs', 'reconcile']);
    expect(repaired.code, repaired.stderr).toBe(0);
    expect(repaired.stdout).toMatch(new RegExp(`^${id}\\s+tenant_dropped3_default\\s+gone$`, 'm'));
    expect(repaired.stdout).toContain('failed 1 job graphile-worker had failed for good, freeing its slot');
    expect((await waitForStatus(tdb.db, id, ['failed'], 1000)).error_message).toBe('gone');
  });
});
