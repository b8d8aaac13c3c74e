import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.ts';
import { syncPlanLimits } from '../../src/jobs/plan-limits.ts';
import { dispatch } from '../../src/tasks/index.ts';
import { runCli } from '../helpers/cli.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { createTenantWithSchema } from '../helpers/worker.ts';

// Each command is a fresh process that compiles the sources on start: generous limits.
describe('tenantry tenants limits|pause|resume and jobs reconcile', { timeout: 120_000 }, () => {
  let tdb: TestDatabase;
  const tenantry = (args: string[]) => runCli(args, { DATABASE_URL: tdb.url, LOG_LEVEL: 'warn' });
  const lane = async () =>
    (
      await sql<{ cap: number; weight: number; rate_limit: number | null; paused: boolean }>`
        SELECT cap, weight, rate_limit, rate_period_ms, paused FROM tenantry.lanes
        WHERE name = 'tenant_acme_notifications'`.execute(tdb.db)
    ).rows[0];

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    await createTenantWithSchema(tdb, { id: 'acme' });
    // What a worker started with PLAN_SCHEDULING writes.
    await syncPlanLimits(
      tdb.db,
      parseConfig({ PLAN_SCHEDULING: 'free:concurrency=2,weight=1' }).planScheduling,
    );
    await dispatch(
      tdb.db,
      'send-notification',
      { channel: 'sms', to: '+1', message: 'later' },
      { tenant: 'acme', runAt: new Date(Date.now() + 3_600_000) },
    );
  });
  afterAll(async () => {
    await tdb.close();
  });

  it('prints the limits, overrides them (effective at once) and returns them to the plan', async () => {
    const shown = await tenantry(['tenants', 'limits', 'acme']);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain('acme: plan free, active');
    expect(shown.stdout).toMatch(/^concurrency\s+2\s+-\s+2$/m);
    expect(shown.stdout).toMatch(/^rate\s+none\s+-\s+none$/m);
    expect(shown.stdout).toContain('paused: no');

    const set = await tenantry([
      'tenants',
      'limits',
      'acme',
      '--concurrency',
      '4',
      '--weight',
      '2.5',
      '--rate',
      '100/1m',
    ]);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toMatch(/^concurrency\s+4\s+4\s+2$/m);
    expect(set.stdout).toMatch(/^weight\s+2\.5\s+2\.5\s+1$/m);
    expect(set.stdout).toMatch(/^rate\s+100\/1m\s+100\/1m\s+none$/m);
    expect(await lane()).toEqual({
      cap: 4,
      weight: 2.5,
      rate_limit: 100,
      rate_period_ms: 60_000,
      paused: false,
    });

    const json = await tenantry(['tenants', 'limits', 'acme', '--concurrency', 'plan', '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({
      tenant: 'acme',
      override: { concurrency: null, weight: 2.5, rate: { limit: 100, period_ms: 60_000 } },
      plan_defaults: { concurrency: 2, weight: 1, rate: null },
      effective: { concurrency: 2, weight: 2.5, rate: { limit: 100, period_ms: 60_000 } },
    });
    expect((await lane())?.cap).toBe(2);

    const monitor = await tenantry(['jobs', 'monitor', '--tenant', 'acme']);
    expect(monitor.stdout).toMatch(
      /^TENANT\s+QUEUE\s+READY\s+SCHEDULED\s+ADMITTED\s+RUNNING\s+FAILED\s+CAP\s+WEIGHT\s+RATE\s+QUEUE RATE\s+PAUSED$/m,
    );
    expect(monitor.stdout).toMatch(
      /^acme\s+notifications\s+0\s+1\s+0\s+0\s+0\s+2\s+2\.5\s+100\/1m\s+-\s+no$/m,
    );
  });

  it('pauses and resumes the tenant and one queue', async () => {
    expect((await tenantry(['tenants', 'pause', 'acme'])).stdout.trim()).toBe(
      'acme: paused (paused now: the tenant)',
    );
    expect((await lane())?.paused).toBe(true);
    expect((await tenantry(['tenants', 'pause', 'acme', '--queue', 'reports'])).stdout.trim()).toBe(
      'acme: queue reports paused (paused now: the tenant, queue reports)',
    );
    expect((await tenantry(['tenants', 'resume', 'acme'])).stdout.trim()).toBe(
      'acme: resumed (paused now: queue reports)',
    );
    expect((await lane())?.paused).toBe(false);
    const health = await tenantry(['tenants', 'health', 'acme']);
    expect(health.stdout).toMatch(/^scheduling:\s+concurrency 2, weight 2\.5, rate 100\/1m$/m);
    expect(health.stdout).toMatch(/^paused:\s+no \(queues reports\)$/m);
    expect((await tenantry(['tenants', 'resume', 'acme', '--queue', 'reports'])).stdout.trim()).toBe(
      'acme: queue reports resumed (nothing paused)',
    );
  });

  it("sets and removes one queue's own rate limit", async () => {
    const set = await tenantry([
      'tenants',
      'limits',
      'acme',
      '--queue-rate',
      'reports=10/1m',
      '--queue-rate',
      'emails=5/1s',
    ]);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toMatch(/^queue rates: emails 5\/1s, reports 10\/1m$/m);
    // What each window holds now (the tenant's, at 100/1m, and each limited queue's): nothing yet.
    expect(set.stdout).toMatch(/^rate use now: 0 in the tenant's window, 0 in emails's, 0 in reports's$/m);
    const json = await tenantry(['tenants', 'limits', 'acme', '--queue-rate', 'emails=none', '--json']);
    expect(JSON.parse(json.stdout).queue_rates).toEqual({ reports: { limit: 10, period_ms: 60_000 } });
    const rows = await sql<{
      queue: string;
    }>`SELECT queue FROM tenantry.queue_limits WHERE tenant_id = 'acme'`.execute(tdb.db);
    expect(rows.rows).toEqual([{ queue: 'reports' }]);
    await tenantry(['tenants', 'limits', 'acme', '--queue-rate', 'reports=none']);
    expect((await tenantry(['tenants', 'limits', 'acme'])).stdout).toMatch(/^queue rates: none$/m);
  });

  it('reports lane drift, repairs it unless --dry-run, and prints it as JSON', async () => {
    const clean = await tenantry(['jobs', 'reconcile']);
    expect(clean.stdout).toContain('no drift: every lane counts its admitted jobs exactly');
    expect(clean.stdout).toContain("no stranded lane: every waiting job is within its lane's due time");
    expect(clean.stdout).toContain('no abandoned job: every job graphile-worker failed has its outcome');
    await sql`UPDATE tenantry.lanes SET inflight = 2 WHERE name = 'tenant_acme_notifications'`.execute(
      tdb.db,
    );
    const dry = await tenantry(['jobs', 'reconcile', '--dry-run', '--json']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toEqual({
      drift: [{ lane: 'tenant_acme_notifications', recorded: 2, actual: 0, vanished: 0 }],
      stranded: [],
      abandoned: [],
    });
    const repaired = await tenantry(['jobs', 'reconcile']);
    expect(repaired.stdout).toMatch(/^tenant_acme_notifications\s+2\s+0\s+0$/m);
    expect(repaired.stdout).toContain('repaired 1 lane');
    expect(JSON.parse((await tenantry(['jobs', 'reconcile', '--json'])).stdout)).toEqual({
      drift: [],
      stranded: [],
      abandoned: [],
    });
  });

  it('finds a lane no pass would pick again, wakes it unless --dry-run', async () => {
    // A waiting job (no worker runs here, so dispatch admits nothing) in a lane whose due time
    // was lost: no admission pass would pick the lane again.
    await dispatch(
      tdb.db,
      'send-notification',
      { channel: 'sms', to: '+1', message: 'now' },
      { tenant: 'acme', queue: 'stranded' },
    );
    await sql`UPDATE tenantry.lanes SET due = NULL WHERE name = 'tenant_acme_stranded'`.execute(tdb.db);
    const dueOf = async () =>
      (
        await sql<{
          due: Date | null;
        }>`SELECT due FROM tenantry.lanes WHERE name = 'tenant_acme_stranded'`.execute(tdb.db)
      ).rows[0]!.due;

    const dry = await tenantry(['jobs', 'reconcile', '--dry-run', '--json']);
    expect(dry.code, dry.stderr).toBe(0);
    const report = JSON.parse(dry.stdout) as {
      drift: unknown[];
      abandoned: unknown[];
      stranded: Array<{ lane: string; due: unknown }>;
    };
    expect(report.drift).toEqual([]);
    expect(report.abandoned).toEqual([]);
    expect(report.stranded.map(({ lane, due }) => ({ lane, due }))).toEqual([
      { lane: 'tenant_acme_stranded', due: null },
    ]);
    expect(await dueOf()).toBeNull();

    const woken = await tenantry(['jobs', 'reconcile']);
    expect(woken.code, woken.stderr).toBe(0);
    expect(woken.stdout).toMatch(/^tenant_acme_stranded\s+\d{4}-/m);
    expect(woken.stdout).toContain('woke 1 lane that would never have been picked again');
    expect(await dueOf()).not.toBeNull();
    expect(JSON.parse((await tenantry(['jobs', 'reconcile', '--json'])).stdout)).toEqual({
      drift: [],
      stranded: [],
      abandoned: [],
    });
  });

  it('answers bad input with one line and a non-zero exit', async () => {
    const cases: [string[], string][] = [
      [
        ['tenants', 'limits', 'acme', '--concurrency', '0'],
        'tenantry: --concurrency: must be a whole number 1-1000, or "plan" to follow the plan',
      ],
      [
        ['tenants', 'limits', 'acme', '--rate', '5/1x'],
        'tenantry: --rate: must be N/period such as 100/1m (1-1000000 per 100ms-24h), or "plan" to follow the plan',
      ],
      [
        ['tenants', 'limits', 'acme', '--weight', 'heavy'],
        'tenantry: --weight: must be a number 0.001-1000, or "plan" to follow the plan',
      ],
      [
        ['tenants', 'limits', 'Bad_Id'],
        'tenantry: id: "Bad_Id" is not a tenant id (lowercase letters, digits, -)',
      ],
      [
        ['tenants', 'limits', 'acme', '--queue-rate', 'reports=fast'],
        'tenantry: --queue-rate: reports: must be N/period such as 10/1m (1-1000000 per 100ms-24h), or "none"',
      ],
      [
        ['tenants', 'limits', 'acme', '--queue-rate', '10/1m'],
        'tenantry: --queue-rate: "10/1m" is not QUEUE=N/period or QUEUE=none',
      ],
      [
        ['tenants', 'limits', 'acme', '--queue-rate', 'Bad Q=10/1m'],
        'tenantry: --queue-rate: must be 1-63 lowercase letters, digits, "_" or "-", starting with a letter or digit',
      ],
      [['tenants', 'limits', 'nope'], 'tenantry: tenant nope was not found'],
      [['tenants', 'pause', 'nope'], 'tenantry: tenant nope was not found'],
      [
        ['tenants', 'resume', 'acme', '--queue', 'Bad Q'],
        'tenantry: --queue: must be 1-63 lowercase letters, digits, "_" or "-", starting with a letter or digit',
      ],
    ];
    for (const [args, line] of cases) {
      const result = await tenantry(args);
      expect(result.code, args.join(' ')).not.toBe(0);
      expect(result.stderr.trim(), args.join(' ')).toBe(line);
    }
  });
});
