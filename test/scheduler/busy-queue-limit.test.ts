import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/http/app.ts';
import { cancelJob } from '../../src/jobs/control.ts';
import { dispatchJobs } from '../../src/jobs/dispatch.ts';
import { removeIdleLanes } from '../../src/jobs/lane-gc.ts';
import { registry } from '../../src/tasks/index.ts';
import { buildTestApp, tenantsWithKeys } from '../helpers/app.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';

/** As the API and the CLI dispatch: TENANT_MAX_BUSY_QUEUES given (Tenantry's own dispatches give none). */
const outside = { maxBusyQueues: 16 };

const job = (tenant: string, queue: string) => ({
  task: 'send-notification',
  tenant,
  queue,
  payload: { channel: 'sms', to: '+1', message: 'hi' },
  delayMs: 3_600_000,
});

/**
 * Cap and weight are per lane (tenant × queue): a tenant spreading its jobs over made-up queue
 * names took a share and a cap per name. Its queues with work are bounded (migrations/0040),
 * and lanes with none are removed (queue-gc).
 */
describe('queues with work per tenant, and idle lanes', () => {
  let tdb: TestDatabase;
  let app: App;
  let keys: Record<'acme' | 'globex', Record<string, string>>;
  const lanes = async (tenant: string) =>
    (
      await sql<{ queue: string }>`
        SELECT queue FROM tenantry.lanes WHERE tenant_id = ${tenant} ORDER BY queue`.execute(tdb.db)
    ).rows.map((l) => l.queue);
  const logs = async () => (await tdb.db.selectFrom('tenantry.job_logs').select('id').execute()).length;

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    keys = await tenantsWithKeys(tdb, 'acme', 'globex');
    app = await buildTestApp(tdb.db);
  });
  afterAll(async () => {
    await app.close();
    await tdb.close();
  });

  it('refuses the queue past the limit, naming it, and writes nothing of that dispatch', async () => {
    const opened = await dispatchJobs(
      tdb.db,
      registry,
      Array.from({ length: 16 }, (_, i) => job('acme', `q${String(i).padStart(2, '0')}`)),
      outside,
    );
    expect(opened).toHaveLength(16);
    // A queue with work takes any number of jobs more.
    await dispatchJobs(tdb.db, registry, [job('acme', 'q00'), job('acme', 'q15')], outside);
    const before = await logs();
    // With others that are fine, in one request: all or nothing.
    await expect(
      dispatchJobs(tdb.db, registry, [job('acme', 'q01'), job('acme', 'extra')], outside),
    ).rejects.toMatchObject({
      code: 'conflict',
      extensions: { field: 'queue', reason: 'queue_limit_reached' },
      message: expect.stringMatching(/tenant acme has work in 16 queues.*queue "extra" would open 1 more/),
    });
    expect(await logs()).toBe(before);
    // Over HTTP: a 409 problem naming the field; another tenant is not limited by acme's queues.
    const res = await app.inject({
      method: 'POST',
      url: '/api/jobs',
      headers: keys.acme,
      payload: { task: 'send-notification', queue: 'made-up', payload: job('acme', 'x').payload },
    });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ field: 'queue', reason: 'queue_limit_reached' });
    const other = await app.inject({
      method: 'POST',
      url: '/api/jobs',
      headers: keys.globex,
      payload: { task: 'send-notification', queue: 'made-up', payload: job('globex', 'x').payload },
    });
    expect(other.statusCode).toBe(202);
  });

  it('counts a queue again once it drains, and removes lanes with no work', async () => {
    const q03 = await tdb.db
      .selectFrom('tenantry.job_logs')
      .select('id')
      .where('tenant_id', '=', 'acme')
      .where('queue', '=', 'q03')
      .execute();
    for (const { id } of q03) await cancelJob(tdb.db, id);
    // q03 drained: one queue may open.
    await dispatchJobs(tdb.db, registry, [job('acme', 'extra')], outside);
    await expect(dispatchJobs(tdb.db, registry, [job('acme', 'q03')], outside)).rejects.toMatchObject({
      code: 'conflict',
    });
    expect(await lanes('acme')).toContain('q03');
    expect(await removeIdleLanes(tdb.db)).toBe(1);
    // The idle lane went; the busy ones, with their waiting jobs, stayed.
    const left = await lanes('acme');
    expect(left).not.toContain('q03');
    expect(left).toHaveLength(16);
    expect(await removeIdleLanes(tdb.db)).toBe(0);
    // Tenantry's own dispatches (a callback delivery, a crontab job) are not refused; and the
    // limit of one dispatch does not outlive its statement.
    await dispatchJobs(tdb.db, registry, [job('acme', 'callbacks-like')]);
    await tdb.db.transaction().execute(async (trx) => {
      await expect(dispatchJobs(trx, registry, [job('acme', 'q04')], outside)).resolves.toHaveLength(1);
      await expect(dispatchJobs(trx, registry, [job('acme', 'own')])).resolves.toHaveLength(1);
    });
  });

  it('takes the limit given (TENANT_MAX_BUSY_QUEUES), and a removed lane comes back', async () => {
    const one = { maxBusyQueues: 1 };
    await dispatchJobs(tdb.db, registry, [job('globex', 'made-up')], one);
    await expect(dispatchJobs(tdb.db, registry, [job('globex', 'second')], one)).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(/TENANT_MAX_BUSY_QUEUES is 1/),
    });
    for (const { id } of await tdb.db
      .selectFrom('tenantry.job_logs')
      .select('id')
      .where('tenant_id', '=', 'globex')
      .execute()) {
      await cancelJob(tdb.db, id);
    }
    expect(await removeIdleLanes(tdb.db)).toBe(1);
    expect(await lanes('globex')).toEqual([]);
    const [again] = await dispatchJobs(tdb.db, registry, [job('globex', 'second')], one);
    expect(await lanes('globex')).toEqual(['second']);
    const waiting = await sql`SELECT 1 FROM tenantry.lane_jobs WHERE log_id = ${again!.id}`.execute(tdb.db);
    expect(waiting.rows).toHaveLength(1);
  });
});
