import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/db/api-keys.ts';
import type { App } from '../../src/http/app.ts';
import { cancelJob, retryJob } from '../../src/jobs/control.ts';
import { dispatchJobs } from '../../src/jobs/dispatch.ts';
import { pauseTenant, resumeTenant } from '../../src/jobs/tenant-limits.ts';
import { registry } from '../../src/tasks/index.ts';
import type { WorkerService } from '../../src/worker/runner.ts';
import { centralProbe, PROBE_TABLE_DDL, probe } from '../fixtures/tasks.ts';
import { bearer, buildTestApp } from '../helpers/app.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { createTenantWithSchema, startTestWorker, waitForStatus } from '../helpers/worker.ts';

const tasks = registry.with([probe]);

interface Delivery {
  headers: http.IncomingHttpHeaders;
  body: string;
}

describe('completion callbacks', () => {
  let tdb: TestDatabase;
  let app: App;
  let worker: WorkerService;
  let receiver: http.Server;
  let url: string;
  let acme: Record<string, string>;
  const deliveries: Delivery[] = [];
  const answers: number[] = [];

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    await PROBE_TABLE_DDL.execute(tdb.db);
    await createTenantWithSchema(tdb, { id: 'acme' });
    acme = bearer((await createApiKey(tdb.db, 'acme')).key);
    receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        deliveries.push({ headers: req.headers, body });
        res.writeHead(answers.shift() ?? 200).end();
      });
    });
    receiver.listen(0, '127.0.0.1');
    await once(receiver, 'listening');
    url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
    app = await buildTestApp(tdb.db, {}, tasks);
    worker = await startTestWorker(tdb, { registry: tasks, env: { CALLBACK_ALLOW_PRIVATE: 'true' } });
  });
  afterAll(async () => {
    await worker.stop();
    await app.close();
    receiver.close();
    await tdb.close();
  });

  const run = async (mode: 'ok' | 'fail', label: string) =>
    (
      await dispatchJobs(
        tdb.db,
        tasks,
        [
          {
            task: 'probe',
            tenant: 'acme',
            payload: { mode, label },
            maxAttempts: 1,
            callbackUrl: `${url}/${label}`,
          },
        ],
        { callbackAllowPrivate: true },
      )
    )[0]!.id;
  const callbackLog = async (jobLogId: string) => {
    const row = await tdb.db
      .selectFrom('tenantry.job_logs')
      .select('id')
      .where('task', '=', 'deliver-callback')
      .where('source_id', '=', jobLogId)
      .executeTakeFirstOrThrow();
    return waitForStatus(tdb.db, row.id, ['completed', 'failed'], 30_000);
  };

  it('POSTs the finished job log, signed with the tenant’s secret', async () => {
    const id = await run('ok', 'done');
    await waitForStatus(tdb.db, id, ['completed']);
    expect((await callbackLog(id)).status).toBe('completed');
    const delivery = deliveries.find((d) => JSON.parse(d.body).job_log.id === id)!;
    expect(JSON.parse(delivery.body)).toMatchObject({
      event: 'job.completed',
      job_log: { id, status: 'completed', tenant: 'acme', result: { echoed: 'done' } },
    });
    const { secret } = (
      await app.inject({ method: 'GET', url: '/api/job-logs/callback-secret', headers: acme })
    ).json();
    const expected = `sha256=${createHmac('sha256', secret).update(delivery.body).digest('hex')}`;
    expect(delivery.headers['tenantry-signature']).toBe(expected);
  });

  it('retries a failing receiver with backoff until it accepts', async () => {
    answers.push(503);
    const id = await run('fail', 'retried');
    await waitForStatus(tdb.db, id, ['failed']);
    const log = await callbackLog(id);
    expect(log).toMatchObject({ status: 'completed', attempts: 2 });
    const mine = deliveries.filter((d) => JSON.parse(d.body).job_log.id === id);
    expect(mine.map((d) => d.headers['tenantry-attempt'])).toEqual(['1', '2']);
    // One delivery, retried: one id to dedupe on.
    expect(new Set(mine.map((d) => d.headers['tenantry-delivery'])).size).toBe(1);
    expect(mine[0]!.headers['tenantry-delivery']).toMatch(new RegExp(`^${id}-\\d+$`));
    expect(JSON.parse(mine[1]!.body).event).toBe('job.failed');
  });

  it('describes in each delivery the end that queued it, even when it runs after a retry', async () => {
    // Deliveries wait (their queue paused) while the job is cancelled, retried and completes.
    await pauseTenant(tdb.db, 'acme', 'callbacks');
    const [job] = await dispatchJobs(
      tdb.db,
      tasks,
      [
        {
          task: 'probe',
          tenant: 'acme',
          payload: { mode: 'ok', label: 'ends' },
          delayMs: 3_600_000,
          callbackUrl: `${url}/ends`,
        },
      ],
      { callbackAllowPrivate: true },
    );
    const id = job!.id;
    await cancelJob(tdb.db, id);
    await retryJob(tdb.db, id);
    await waitForStatus(tdb.db, id, ['completed']);
    await resumeTenant(tdb.db, 'acme', 'callbacks');
    await expect
      .poll(() => deliveries.filter((d) => JSON.parse(d.body).job_log.id === id).length, { timeout: 20_000 })
      .toBe(2);
    const bodies = deliveries
      .filter((d) => JSON.parse(d.body).job_log.id === id)
      .map((d) => JSON.parse(d.body))
      .sort((a, b) => a.event.localeCompare(b.event));
    expect(bodies.map((b) => [b.event, b.job_log.status])).toEqual([
      ['job.cancelled', 'cancelled'],
      ['job.completed', 'completed'],
    ]);
    expect(bodies[0].job_log.result).toBeNull();
    expect(bodies[1].job_log.result).toMatchObject({ echoed: 'ends' });
    // The delivery's own log shows the body it sent, not the raw row.
    const delivery = await tdb.db
      .selectFrom('tenantry.job_logs')
      .select('id')
      .where('task', '=', 'deliver-callback')
      .where('source_id', '=', id)
      .orderBy('id')
      .executeTakeFirstOrThrow();
    const shown = (
      await app.inject({ method: 'GET', url: `/api/job-logs/${delivery.id}`, headers: acme })
    ).json();
    expect(shown.payload.job_log).toMatchObject({ id, status: 'cancelled', status_label: 'Cancelled' });
    expect(shown.payload.job_log).not.toHaveProperty('callback_url');
  });

  it('refuses non-http and central targets at dispatch, naming the field', async () => {
    const post = (payload: object, headers = acme) =>
      app.inject({ method: 'POST', url: '/api/jobs', headers, payload });
    const ftp = await post({ task: 'probe', payload: { mode: 'ok' }, callback_url: 'ftp://example.com/x' });
    expect(ftp.statusCode).toBe(400);
    expect(ftp.json().field).toBe('callback_url');
    await expect(
      dispatchJobs(tdb.db, tasks.with([centralProbe]), [
        { task: 'central-probe', payload: {}, callbackUrl: 'https://example.com/x' },
      ]),
    ).rejects.toMatchObject({ extensions: { field: 'callback_url' } });
  });
});
