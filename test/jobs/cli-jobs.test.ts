import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_DELAY_MS as CLI_MAX_DELAY_MS } from '../../src/cli/commands/jobs-dispatch.ts';
import { MAX_DELAY_MS } from '../../src/jobs/dispatch.ts';
import { dispatch } from '../../src/tasks/index.ts';
import { runCli } from '../helpers/cli.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { createTenantWithSchema, jobLog } from '../helpers/worker.ts';

describe('tenantry worker --once and jobs commands', () => {
  let tdb: TestDatabase;
  const tenantry = (args: string[], env: Record<string, string> = {}) =>
    runCli(args, { DATABASE_URL: tdb.url, LOG_LEVEL: 'warn', ...env });

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    await createTenantWithSchema(tdb, { id: 'alpha' });
    await createTenantWithSchema(tdb, { id: 'beta' });
  });
  afterAll(async () => {
    await tdb.close();
  });

  const note = { channel: 'sms' as const, to: '+1', message: 'hello' };

  it('--once --tenant runs only that tenant’s ready jobs, then exits 0', async () => {
    const a = await dispatch(tdb.db, 'send-notification', note, { tenant: 'alpha' });
    const b = await dispatch(tdb.db, 'send-notification', note, { tenant: 'beta' });
    const central = await dispatch(tdb.db, 'queue-gc', {});
    const result = await tenantry(['worker', '--once', '--no-migrate', '--tenant', 'alpha']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('worker --once: 1 completed');
    expect((await jobLog(tdb.db, a.id)).status).toBe('completed');
    expect((await jobLog(tdb.db, b.id)).status).toBe('pending');
    expect((await jobLog(tdb.db, central.id)).status).toBe('pending');

    const queues = await tenantry(['worker', '--once', '--no-migrate', '--queue', 'default']);
    expect(queues.code).toBe(0);
    expect((await jobLog(tdb.db, central.id)).status).toBe('completed');
    expect((await jobLog(tdb.db, b.id)).status).toBe('pending');
  }, 60_000);

  it('retries within the pending-jobs bound, saying how far it got', async () => {
    await createTenantWithSchema(tdb, { id: 'gamma' });
    const { rows } = await sql<{ id: string }>`
      INSERT INTO "tenant_gamma".clients (name, company_context) VALUES ('Co', 'ctx') RETURNING id`.execute(
      tdb.db,
    );
    const jobs = [];
    for (let i = 0; i < 3; i++) {
      jobs.push(
        await dispatch(
          tdb.db,
          'process-company-context',
          { client_id: Number(rows[0]!.id) },
          { tenant: 'gamma', maxAttempts: 1 },
        ),
      );
    }
    // Nothing listens on port 1: every job fails its only attempt.
    await tenantry(['worker', '--once', '--no-migrate', '--tenant', 'gamma'], {
      AI_ENDPOINT_URL: 'http://127.0.0.1:1/',
    });
    for (const job of jobs) expect((await jobLog(tdb.db, job.id)).status).toBe('failed');
    const bound = { TENANT_MAX_PENDING_JOBS: '2' };
    // Room for two: those two are retried (oldest first), the third is left and named.
    const partly = await tenantry(['jobs', 'retry', '--all', '--tenant', 'gamma'], bound);
    expect(partly.code).toBe(1);
    expect(partly.stderr.trim()).toBe(
      'tenantry: retried 2 failed jobs; no room under TENANT_MAX_PENDING_JOBS (2) for the rest: 1 of gamma (retry once some have started)',
    );
    expect((await jobLog(tdb.db, jobs[0]!.id)).status).toBe('pending');
    expect((await jobLog(tdb.db, jobs[1]!.id)).status).toBe('pending');
    expect((await jobLog(tdb.db, jobs[2]!.id)).status).toBe('failed');
    const full = await tenantry(['jobs', 'retry', jobs[2]!.id], bound);
    expect([full.code, full.stderr]).toEqual([
      1,
      expect.stringMatching(/^tenantry: tenant gamma has 2 jobs waiting/),
    ]);
    expect((await jobLog(tdb.db, jobs[2]!.id)).status).toBe('failed');
    // Under the default bound, --all takes what is left.
    const rest = await tenantry(['jobs', 'retry', '--all', '--tenant', 'gamma']);
    expect(rest.stdout.trim()).toBe('retried 1 failed job');
  }, 60_000);

  it('lists, retries, cancels and flushes the dead letter', async () => {
    const { rows } = await sql<{ id: string }>`
      INSERT INTO "tenant_beta".clients (name, company_context) VALUES ('Co', 'ctx') RETURNING id`.execute(
      tdb.db,
    );
    const job = await dispatch(
      tdb.db,
      'process-company-context',
      { client_id: Number(rows[0]!.id) },
      { tenant: 'beta', maxAttempts: 1 },
    );
    // Nothing listens on port 1: the only attempt fails, and the job log is the dead letter.
    const run = await tenantry(['worker', '--once', '--no-migrate', '--tenant', 'beta'], {
      AI_ENDPOINT_URL: 'http://127.0.0.1:1/',
    });
    expect(run.code).toBe(0);
    expect((await jobLog(tdb.db, job.id)).status).toBe('failed');

    // The failed job has left its lane; only --all lists a lane with nothing in it.
    expect((await tenantry(['jobs', 'monitor'])).stdout).not.toMatch(/^beta\s+ai\s/m);
    const monitor = await tenantry(['jobs', 'monitor', '--all']);
    expect(monitor.stdout).toMatch(/^beta\s+ai\s+0\s+0\s+0\s+0\s+0\s+1\s+1\s+-\s+-\s+no$/m);

    const failed = await tenantry(['jobs', 'failed', '--tenant', 'beta']);
    expect(failed.code).toBe(0);
    expect(failed.stdout).toContain(job.id);
    expect(failed.stdout).toContain('process-company-context');

    const retriedAll = await tenantry(['jobs', 'retry', '--all', '--tenant', 'beta']);
    expect(retriedAll.stdout.trim()).toBe('retried 1 failed job');
    expect(await jobLog(tdb.db, job.id)).toMatchObject({ status: 'pending', attempts: 0 });

    const cancelled = await tenantry(['jobs', 'cancel', job.id]);
    expect(cancelled.stdout.trim()).toBe(`job ${job.id} cancelled`);

    const retried = await tenantry(['jobs', 'retry', job.id]);
    expect(retried.stdout.trim()).toBe(`job ${job.id} is pending again`);
    await tenantry(['worker', '--once', '--no-migrate', '--tenant', 'beta'], {
      AI_ENDPOINT_URL: 'http://127.0.0.1:1/',
    });
    expect((await jobLog(tdb.db, job.id)).status).toBe('failed');

    // A delayed job made due now; run again, it is refused once it has run (one line, exit 1).
    const later = await dispatch(tdb.db, 'queue-gc', {}, { runAt: new Date(Date.now() + 3_600_000) });
    const ranNow = await tenantry(['jobs', 'run-now', later.id]);
    expect(ranNow.stdout.trim()).toBe(`job ${later.id} is due now`);
    expect((await jobLog(tdb.db, later.id)).run_at.getTime()).toBeLessThan(Date.now() + 60_000);
    // Every job waiting for a later start (here of one queue), counted once and made due.
    const waiting = [
      await dispatch(tdb.db, 'queue-gc', {}, { queue: 'later', runAt: new Date(Date.now() + 3_600_000) }),
      await dispatch(tdb.db, 'queue-gc', {}, { queue: 'later', runAt: new Date(Date.now() + 3_600_000) }),
    ];
    const all = await tenantry(['jobs', 'run-now', '--all', '--queue', 'later']);
    expect([all.code, all.stdout.trim()]).toEqual([0, 'made 2 jobs due now']);
    for (const w of waiting)
      expect((await jobLog(tdb.db, w.id)).run_at.getTime()).toBeLessThan(Date.now() + 60_000);
    const none = await tenantry(['jobs', 'run-now', '--all', '--queue', 'later']);
    expect(none.stdout.trim()).toBe('made 0 jobs due now');
    const both = await tenantry(['jobs', 'run-now', later.id, '--all']);
    expect([both.code, both.stderr.trim()]).toEqual([
      1,
      'tenantry: name a job-log id or pass --all, not both',
    ]);
    await tenantry(['jobs', 'cancel', later.id]);
    const refused = await tenantry(['jobs', 'run-now', later.id]);
    expect([refused.code, refused.stderr.trim()]).toEqual([
      1,
      `tenantry: job log ${later.id} is cancelled; only a pending job can be run now`,
    ]);

    // Only central jobs stay in graphile-worker after failing for good: one made so here.
    const central = await dispatch(tdb.db, 'queue-gc', {}, { runAt: new Date(Date.now() + 3_600_000) });
    await sql`SELECT graphile_worker.permanently_fail_jobs(ARRAY[${central.jobId}::bigint], 'test')`.execute(
      tdb.db,
    );
    const dead = await tenantry(['jobs', 'monitor']);
    expect(dead.stdout).toMatch(/^\(central\)\s+\S+\s+0\s+0\s+0\s+0\s+1\s+-\s+-\s+-\s+-\s+-$/m);
    const flushed = await tenantry(['jobs', 'flush']);
    expect(flushed.stdout.trim()).toBe('flushed 1 permanently failed job from the queue');
    expect((await tenantry(['jobs', 'flush'])).stdout.trim()).toBe(
      'flushed 0 permanently failed jobs from the queue',
    );
  }, 120_000);

  it('answers bad input with one line and exit code 1', async () => {
    const unknown = await tenantry(['jobs', 'cancel', 'abc']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim()).toBe('tenantry: job log abc was not found');
    const badTenant = await tenantry(['worker', '--once', '--tenant', 'Bad_Id']);
    expect(badTenant.code).toBe(1);
    expect(badTenant.stderr.trim()).toBe('tenantry: --tenant "Bad_Id" is not a valid tenant name');
    const noTarget = await tenantry(['jobs', 'retry']);
    expect(noTarget.stderr.trim()).toBe('tenantry: name a job-log id or pass --all');
    const both = await tenantry(['jobs', 'retry', '8', '--all']);
    expect(both.code).toBe(1);
    expect(both.stderr.trim()).toBe('tenantry: name a job-log id or pass --all, not both');
    // A tenant that does not exist is named, not answered with "0" or an empty table.
    for (const args of [
      ['jobs', 'monitor', '--tenant', 'nosuch'],
      ['jobs', 'failed', '--tenant', 'nosuch'],
      ['jobs', 'retry', '--all', '--tenant', 'nosuch'],
      ['jobs', 'flush', '--tenant', 'nosuch'],
      ['tenants', 'backup', '--tenant', 'nosuch'],
      ['tenants', 'maintenance', '--tenant', 'nosuch', '--analyze'],
    ]) {
      const res = await tenantry(args);
      expect([res.code, res.stdout, res.stderr.trim()], args.join(' ')).toEqual([
        1,
        '',
        'tenantry: tenant nosuch was not found',
      ]);
    }
    const status = await tenantry(['tenants', 'list', '--status', 'bogus']);
    expect(status.code).toBe(1);
    expect(status.stderr).toMatch(/'--status <status>'.*must be one of active, inactive, suspended/);
  });

  it.each([
    // Refused by the action before: exit 1 and nothing printed at all.
    [['tenants', 'show', 'BAD!'], /argument 'id'\. must be a tenant id/],
    [['tenants', 'settings', 'acme', '{bad'], /argument 'patch'\. must be a JSON object/],
    // Unbounded before: PostgreSQL's range errors, a 1 ms timer, an exhausted heap.
    [['jobs', 'logs', '--limit', '99999999999999999999'], /'--limit <n>'.*from 1 to 10000/],
    [['jobs', 'stats', '--hours', '99999999'], /'--hours <n>'.*from 1 to 8760/],
    [['jobs', 'monitor', '--watch', '--interval', '99999999'], /'--interval <seconds>'.*from 1 to 3600/],
    [['worker', '--concurrency', '1000000'], /'--concurrency <n>'.*from 1 to 1000/],
    [['worker', '--tries', '0'], /'--tries <n>'.*from 1 to 25/],
    [['worker', '--timeout', '2.5'], /'--timeout <seconds>'.*from 1 to 86400/],
    [
      ['tenants', 'maintenance', '--all', '--cleanup', '--days', '99999999999'],
      /'--days <n>'.*from 1 to 36500/,
    ],
    [['jobs', 'dispatch', 'queue-gc', '--max-attempts', '26'], /'--max-attempts <n>'.*from 1 to 25/],
    // Unchecked before: an unknown tenant's empty list, exit 0.
    [['jobs', 'failed', '--tenant', 'BAD!'], /'--tenant <id>'.*must be a tenant id/],
    [['jobs', 'logs', '--nope'], /unknown option '--nope'/],
  ])('refuses %j in one line naming the argument, before connecting', async (args, message) => {
    const res = await runCli(args, { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', LOG_LEVEL: 'warn' });
    expect(res.code).toBe(1);
    expect(res.stdout).toBe('');
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stderr).toMatch(/^tenantry: /);
    expect(res.stderr).toMatch(message);
  });

  it('does not set up a database on a DATA_DIR that has none (only migrate and start do)', async () => {
    const dataDir = path.join(os.tmpdir(), `tenantry-no-data-${process.pid}`);
    const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATA_DIR: dataDir };
    const res = await runCli(['tenants', 'list'], env, { inherit: false });
    expect(res.code).toBe(1);
    expect(res.stderr.trim()).toBe(
      `tenantry: DATA_DIR ${dataDir} holds no Tenantry database: start Tenantry there first (tenantry start), or set DATABASE_URL`,
    );
    expect(existsSync(dataDir)).toBe(false);
  });

  it('dispatches with --delay-ms 0 (refused as "1 or more" before)', async () => {
    const payload = JSON.stringify({ channel: 'sms', to: '+34600000000', message: 'hi' });
    const res = await tenantry([
      'jobs',
      'dispatch',
      'send-notification',
      '--tenant',
      'alpha',
      '--payload',
      payload,
      '--delay-ms',
      '0',
    ]);
    expect(res.stderr).toBe('');
    expect(res.stdout).toMatch(/^dispatched job \d+ \(send-notification for alpha/);
    // The option's bound is dispatch's own (kept apart so the CLI starts without the dispatch code).
    expect(CLI_MAX_DELAY_MS).toBe(MAX_DELAY_MS);
  });

  it("refuses a dispatch past the tenant's waiting jobs with one line and exit code 1", async () => {
    const payload = JSON.stringify({ channel: 'sms', to: '+34600000000', message: 'hi' });
    const dispatch = [
      'jobs',
      'dispatch',
      'send-notification',
      '--tenant',
      'beta',
      '--payload',
      payload,
      '--delay-ms',
      '60000',
    ];
    const limit = { TENANT_MAX_PENDING_JOBS: '1' };
    expect((await tenantry(dispatch, limit)).code).toBe(0);
    const refused = await tenantry(dispatch, limit);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toContain('TENANT_MAX_PENDING_JOBS is 1');
  });
});
