// Job-log listing with 1,000,000 rows over 100 tenants: p95 latency through the API (inject,
// auth and serialization included) of a filtered first page (one tenant's failed jobs) and of
// a deep page (page 500 of everything, reached by its token), against the same keyset query
// sent straight to Postgres in the same run. `--quick` uses 100,000 rows. And what the index of
// failed and cancelled logs (migrations/0045) is for: the first page of all tenants' cancelled
// jobs when they are rare (one row in 50,000), and a bulk retry's count (dry run) of the
// failed ones, each against the same read over job_logs alone (no status index: a walk).
import { sql } from 'kysely';
import { createApiKey } from '../src/db/api-keys.ts';
import { listJobLogs } from '../src/job-logs/repository.ts';
import { ADMIN_KEY, benchApp } from './lib/app.ts';
import { benchDatabase } from './lib/database.ts';
import { percentile, report } from './lib/report.ts';

const ROWS = process.argv.includes('--quick') ? 100_000 : 1_000_000;
const TENANTS = 100;
const SAMPLES = 200;

/** `samples`: fewer for the reads that walk the whole table (a second or more each). */
async function p95(fn: () => Promise<unknown>, samples = SAMPLES): Promise<number> {
  for (let i = 0; i < Math.min(20, samples); i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const started = performance.now();
    await fn();
    times.push(performance.now() - started);
  }
  return percentile(times, 95);
}

const bench = await benchDatabase();
try {
  const { db } = bench;
  await sql`INSERT INTO tenantry.tenants (id, name) SELECT 't' || i, 'Tenant ' || i FROM generate_series(1, ${TENANTS}) i`.execute(
    db,
  );
  // One row in ten failed, spread independently of the tenant (i / 7), so every tenant has some.
  await sql`
    INSERT INTO tenantry.job_logs (tenant_id, task, queue, status, progress, max_attempts, attempts, created_at,
                                   finished_at, duration_ms, payload)
    SELECT 't' || (1 + i % ${TENANTS}), (ARRAY['send-notification', 'export-data', 'tenant-backup'])[1 + i % 3], 'default',
           CASE WHEN i % 50000 = 3 THEN 'cancelled' WHEN (i / 7) % 10 = 0 THEN 'failed' ELSE 'completed' END,
           100, 3, 1,
           now() - make_interval(secs => (${ROWS} - i) * 0.5), now() - make_interval(secs => (${ROWS} - i) * 0.5),
           20 + i % 500, jsonb_build_object('n', i)
    FROM generate_series(1, ${ROWS}) i`.execute(db);
  await sql`VACUUM ANALYZE tenantry.job_logs`.execute(db);
  const tenantKey = (await createApiKey(db, 't42')).key;

  const app = await benchApp(bench);
  const get = async (url: string, key: string) => {
    const res = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${key}` } });
    if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
    return res.json() as { next_page_token: string | null };
  };

  const filtered = '/api/job-logs?status=failed&page_size=50';
  const apiFirst = await p95(() => get(filtered, tenantKey));
  const rawFirst = await p95(() => listJobLogs(db, { tenantId: 't42', status: 'failed' }, 51));

  let token: string | null = null;
  for (let page = 1; page < 500; page++) {
    token = (await get(`/api/job-logs?page_size=50${token ? `&page_token=${token}` : ''}`, ADMIN_KEY))
      .next_page_token;
  }
  const deep = `/api/job-logs?page_size=50&page_token=${token}`;
  // A page token is `<base64url JSON cursor>.<mac>`; the raw query takes the cursor itself.
  const cursor = JSON.parse(Buffer.from(token!.split('.')[0]!, 'base64url').toString()) as [string, string];
  const apiDeep = await p95(() => get(deep, ADMIN_KEY));
  const rawDeep = await p95(() => listJobLogs(db, {}, 51, cursor));
  const rare = '/api/job-logs?status=cancelled&page_size=50';
  const apiRare = await p95(() => get(rare, ADMIN_KEY));
  const walkRare = await p95(
    () =>
      sql`SELECT id FROM tenantry.job_logs WHERE status = 'cancelled'
              ORDER BY created_at DESC, id DESC LIMIT 51`.execute(db),
    5,
  );
  const dryRun = () =>
    app.inject({
      method: 'POST',
      url: '/api/job-logs/retry',
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
      payload: { filter: { status: 'failed' }, dry_run: true },
    });
  const apiCount = await p95(dryRun, 20);
  const walkCount = await p95(
    () => sql`SELECT count(*) FROM tenantry.job_logs WHERE status = 'failed'`.execute(db),
    5,
  );
  await app.close();

  const variant = `${ROWS.toLocaleString('en')} rows, ${TENANTS} tenants`;
  const baseline = 'same keyset query, straight to Postgres';
  report({
    bench: 'logs',
    metric: 'p95 first page (tenant, status=failed)',
    variant,
    value: apiFirst,
    unit: 'ms',
    baseline,
    ratio: apiFirst / rawFirst,
  });
  report({
    bench: 'logs',
    metric: 'p95 page 500 (all tenants)',
    variant,
    value: apiDeep,
    unit: 'ms',
    baseline,
    ratio: apiDeep / rawDeep,
  });
  const walk = 'the same read over job_logs alone (no status index)';
  report({
    bench: 'logs',
    metric: 'p95 first page (all tenants, status=cancelled, 1 row in 50,000)',
    variant,
    value: apiRare,
    unit: 'ms',
    baseline: walk,
    ratio: apiRare / walkRare,
  });
  report({
    bench: 'logs',
    metric: 'p95 bulk retry count (dry run, all tenants, status=failed)',
    variant,
    value: apiCount,
    unit: 'ms',
    baseline: walk,
    ratio: apiCount / walkCount,
  });
} finally {
  await bench.drop();
}
