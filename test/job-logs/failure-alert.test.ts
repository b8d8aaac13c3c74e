import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatchJobs } from '../../src/jobs/dispatch.ts';
import { registry } from '../../src/tasks/index.ts';
import type { WorkerService } from '../../src/worker/runner.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { createTenantWithSchema, startTestWorker, waitForStatus } from '../helpers/worker.ts';

describe('failure-alert task', () => {
  let tdb: TestDatabase;
  let worker: WorkerService;
  let webhook: http.Server;
  let smtp: SMTPServer;
  const hooks: unknown[] = [];
  const mails: string[] = [];
  const answers = [500];

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    await createTenantWithSchema(tdb, { id: 'acme' });
    webhook = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        hooks.push(JSON.parse(body));
        res.writeHead(answers.shift() ?? 204).end();
      });
    });
    webhook.listen(0, '127.0.0.1');
    await once(webhook, 'listening');
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData(stream, _session, callback) {
        let raw = '';
        stream.on('data', (c: Buffer) => {
          raw += c.toString();
        });
        stream.on('end', () => {
          mails.push(raw);
          callback();
        });
      },
    });
    smtp.listen(0, '127.0.0.1');
    await once(smtp.server, 'listening');
    worker = await startTestWorker(tdb, {
      registry,
      env: {
        FAILED_JOBS_ALERT_THRESHOLD: '2',
        ALERT_WEBHOOK_URL: `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/alerts`,
        ALERT_EMAIL: 'ops@example.com',
        SMTP_URL: `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}`,
      },
    });
    for (let i = 0; i < 3; i++) {
      await tdb.db
        .insertInto('tenantry.job_logs')
        .values({
          tenant_id: 'acme',
          task: 'send-notification',
          queue: 'notifications',
          status: 'failed',
          max_attempts: 3,
          payload: '{}',
          meta: '{}',
          finished_at: new Date(),
        })
        .execute();
    }
  });
  afterAll(async () => {
    await worker.stop();
    webhook.close();
    await new Promise<void>((r) => smtp.close(() => r()));
    await tdb.close();
  });

  const run = async () => {
    const [job] = await dispatchJobs(tdb.db, registry, [{ task: 'failure-alert', payload: {} }]);
    return waitForStatus(tdb.db, job!.id, ['completed', 'failed']);
  };

  it('retries on the next run when the webhook fails, then alerts once within the hour', async () => {
    const refused = await run();
    expect(refused.status).toBe('failed');
    expect(refused.error_message).toMatch(/500/);

    const alerted = await run();
    expect(alerted.status).toBe('completed');
    // The refused alert run failed for good too, and counts.
    expect(alerted.result).toEqual({ failed: 4, alerted: true });
    expect(hooks.at(-1)).toMatchObject({
      alert: 'failed_jobs',
      failed_last_hour: 4,
      threshold: 2,
      by_task: [
        { task: 'send-notification', tenant: 'acme', failed: 3 },
        { task: 'failure-alert', tenant: null, failed: 1 },
      ],
    });
    expect(mails).toHaveLength(1);
    expect(mails[0]).toContain('4 jobs failed in the last hour');

    const quiet = await run();
    expect(quiet.result).toMatchObject({ failed: 4, alerted: false });
    expect(hooks).toHaveLength(2);
    expect(mails).toHaveLength(1);
  });
});
