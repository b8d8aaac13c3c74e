import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatchJobs } from '../../src/jobs/dispatch.ts';
import { registry } from '../../src/tasks/index.ts';
import type { WorkerService } from '../../src/worker/runner.ts';
import { PROBE_TABLE_DDL, probe } from '../fixtures/tasks.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { createTenantWithSchema, startTestWorker, waitForStatus } from '../helpers/worker.ts';

const tasks = registry.with([probe]);

/**
 * The checks a laned job passes before it starts (src/jobs/start-checks.ts) need the database;
 * when it does not answer, the job waits in its lane instead of failing an attempt.
 */
describe('start checks without the database', () => {
  let tdb: TestDatabase;
  let worker: WorkerService | undefined;

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    await PROBE_TABLE_DDL.execute(tdb.db);
  });
  afterAll(async () => {
    await worker?.stop();
    await tdb.close();
  });

  it('returns a job whose start gate lost its connection to its lane, its only attempt kept', async () => {
    await createTenantWithSchema(tdb, { id: 'blip' });
    await sql`INSERT INTO tenantry.tenant_limits (tenant_id, concurrency, rate_limit, rate_period_ms)
              VALUES ('blip', 5, 5, 1000)`.execute(tdb.db);
    const [job] = await dispatchJobs(tdb.db, tasks, [
      { task: 'probe', tenant: 'blip', maxAttempts: 1, payload: { mode: 'sleep', ms: 1, label: 'blip' } },
    ]);
    // Admitted with no worker running: it starts after its charge stopped standing for a start,
    // so the worker sends it through the start gate.
    await sql`SELECT tenantry.admit(100)`.execute(tdb.db);
    await new Promise((resolve) => setTimeout(resolve, 300));

    // The gate locks the tenant's window; held here, the gate's call waits until its connection
    // is ended (as by a restart of the server).
    const holder = await tdb.pool.connect();
    try {
      await holder.query('BEGIN');
      const { rowCount } = await holder.query(
        `SELECT 1 FROM tenantry.rate_windows WHERE tenant_id = 'blip' AND scope = '' FOR UPDATE`,
      );
      expect(rowCount).toBe(1);
      worker = await startTestWorker(tdb, { registry: tasks, concurrency: 2 });
      let ended = false;
      for (let i = 0; i < 300 && !ended; i++) {
        const { rows } = await holder.query<{ ended: boolean }>(
          `SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity
           WHERE datname = current_database() AND pg_backend_pid() = ANY(pg_blocking_pids(pid))`,
        );
        ended = rows.some((r) => r.ended);
        if (!ended) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(ended).toBe(true);
    } finally {
      await holder.query('ROLLBACK');
      holder.release();
    }

    const log = await waitForStatus(tdb.db, job!.id, ['completed', 'failed'], 30_000);
    expect(log.status).toBe('completed');
    expect(log.attempts).toBe(1);
    expect(log.error_message).toBeNull();
    const { rows: lanes } = await sql<{ inflight: number }>`
      SELECT inflight FROM tenantry.lanes WHERE tenant_id = 'blip'`.execute(tdb.db);
    expect(lanes.map((l) => l.inflight)).toEqual([0]);
  });
});
