import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';

describe('tenantry demo', () => {
  let tdb: TestDatabase;
  beforeAll(async () => {
    tdb = await cloneTestDatabase();
  });
  afterAll(async () => {
    await tdb.close();
  });

  it('provisions three tenants with clients and appointments, dispatches a mix of jobs, and says so', async () => {
    const env = { DATABASE_URL: tdb.url, LOG_LEVEL: 'warn', PORT: '3999' };
    const first = await runCli(['demo'], env);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(
      /^provisioned acme-clinic \(Acme Clinic, plan pro\): 8 clients, 16 appointments/m,
    );
    expect(first.stdout.match(/tenant key \(shown once\): \S+/g)).toHaveLength(3);
    expect(first.stdout).toContain('http://127.0.0.1:3999/dashboard');

    const tasks = await sql<{ tenant_id: string; task: string; n: number }>`
      SELECT tenant_id, task, count(*)::int AS n FROM tenantry.job_logs
      WHERE tenant_id IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2`.execute(tdb.db);
    const acme = Object.fromEntries(
      tasks.rows.filter((r) => r.tenant_id === 'acme-clinic').map((r) => [r.task, r.n]),
    );
    expect(acme).toMatchObject({
      'send-notification': 6,
      'send-appointment-email': 3,
      'process-company-context': 2,
      'demo-slow': 3,
      'demo-failing': 1,
      'export-data': 1,
      'welcome-email': 1,
    });
    const clients = await sql<{
      n: number;
    }>`SELECT count(*)::int AS n FROM "tenant_globex-dental".clients`.execute(tdb.db);
    expect(clients.rows[0]!.n).toBe(8);

    // Again: the tenants are kept, more data and jobs are added, and a new key is shown.
    const second = await runCli(['demo'], env);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/^reused acme-clinic/m);
  });
});
