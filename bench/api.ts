// API fairness: a quiet tenant's request latency while another tenant floods the API with slow
// requests (its job-log stats over a long history, 40 at once), on the API's own pool of 10
// connections, with API_TENANT_CONCURRENCY at its default (4) and turned off (0) in the same
// run, against the quiet tenant alone. Real sockets; the client shares the process.

import { sql } from 'kysely';
import { parseConfig } from '../src/config.ts';
import { createApiKey } from '../src/db/api-keys.ts';
import { createDb, createPool } from '../src/db/database.ts';
import { insertTenant } from '../src/db/tenants.ts';
import { benchApp } from './lib/app.ts';
import { benchDatabase } from './lib/database.ts';
import { percentile, report } from './lib/report.ts';

const QUICK = process.argv.includes('--quick');
const SECONDS = QUICK ? 5 : 10;
const HISTORY = QUICK ? 200_000 : 400_000;
const NOISE = 40;

const bench = await benchDatabase();
try {
  for (const id of ['noisy', 'quiet']) await insertTenant(bench.db, { id, name: id });
  await sql`
    INSERT INTO tenantry.job_logs (tenant_id, task, queue, status, progress, max_attempts, attempts, created_at,
                                   finished_at, duration_ms, payload)
    SELECT CASE WHEN i % 100 = 0 THEN 'quiet' ELSE 'noisy' END, 'send-notification', 'default', 'completed',
           100, 3, 1, now() - make_interval(secs => i * 0.5), now() - make_interval(secs => i * 0.5),
           20 + i % 500, jsonb_build_object('n', i)
    FROM generate_series(1, ${HISTORY}) i`.execute(bench.db);
  await sql`VACUUM ANALYZE tenantry.job_logs`.execute(bench.db);
  const keys = {
    noisy: `Bearer ${(await createApiKey(bench.db, 'noisy')).key}`,
    quiet: `Bearer ${(await createApiKey(bench.db, 'quiet')).key}`,
  };

  /** One API as `tenantry api` runs it (its own pool of 10, statements cut at 30 s). */
  const api = async (concurrency: string) => {
    const db = createDb(
      createPool({ connectionString: bench.url, max: 10, settings: { statement_timeout: '30000' } }),
    );
    const app = await benchApp(
      { ...bench, db },
      parseConfig({ DATABASE_URL: bench.url, LOG_LEVEL: 'silent', API_TENANT_CONCURRENCY: concurrency }),
    );
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    const close = async () => {
      await app.close();
      await db.destroy();
    };
    return { base, close };
  };

  /** The stats' longest window (31 days): the noisy tenant's whole history, ~2 days of rows. */
  const longest = () => new Date(Date.now() - 31 * 86_400_000 + 60_000).toISOString();

  const call = async (url: string, key: string) => {
    const started = performance.now();
    const res = await fetch(url, { headers: { authorization: key } });
    await res.arrayBuffer();
    return { ms: performance.now() - started, status: res.status };
  };

  /** The quiet tenant's first page of jobs, one request after another, for SECONDS; with `noise`, the flood beside it. */
  async function measure(base: string, noise: boolean) {
    const until = performance.now() + SECONDS * 1000;
    const quiet: number[] = [];
    const statuses = new Map<number, number>();
    let noisyDone = 0;
    const flood = async () => {
      while (performance.now() < until) {
        const { status } = await call(`${base}/api/job-logs/stats?since=${longest()}`, keys.noisy);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (status === 200) noisyDone++;
      }
    };
    const floods = noise ? Array.from({ length: NOISE }, flood) : [];
    // Let the flood fill the pool first.
    if (noise) await new Promise((r) => setTimeout(r, 500));
    let failed = 0;
    while (performance.now() < until) {
      const { ms, status } = await call(`${base}/api/job-logs?page_size=20`, keys.quiet);
      if (status === 200) quiet.push(ms);
      else failed++;
    }
    await Promise.all(floods);
    return { quiet, failed, noisyPerSecond: noisyDone / SECONDS, statuses: Object.fromEntries(statuses) };
  }

  const bounded = await api('4');
  const unbounded = await api('0');
  // Warm both (plans, connections).
  await measure(bounded.base, false);
  await measure(unbounded.base, false);
  const alone = await measure(bounded.base, false);
  const off = await measure(unbounded.base, true);
  const on = await measure(bounded.base, true);
  await bounded.close();
  await unbounded.close();

  const p99 = (v: number[]) => (v.length ? percentile(v, 99) : Number.POSITIVE_INFINITY);
  const aloneP99 = p99(alone.quiet);
  report({
    bench: 'api',
    metric: 'quiet tenant p99 latency, alone',
    variant: 'baseline',
    value: aloneP99,
    unit: 'ms',
    detail: `${alone.quiet.length} requests, p50 ${percentile(alone.quiet, 50).toFixed(1)} ms`,
  });
  for (const [variant, run] of [
    ['API_TENANT_CONCURRENCY=0 (no bound)', off],
    ['API_TENANT_CONCURRENCY=4 (default)', on],
  ] as const) {
    const value = p99(run.quiet);
    report({
      bench: 'api',
      metric: `quiet tenant p99 latency, ${NOISE} slow requests of another tenant at once`,
      variant,
      value,
      unit: 'ms',
      baseline: 'quiet tenant alone',
      ratio: value / aloneP99,
      detail:
        `${run.quiet.length} quiet requests answered, ${run.failed} not; p50 ${run.quiet.length ? percentile(run.quiet, 50).toFixed(1) : '-'} ms; ` +
        `noisy tenant ${run.noisyPerSecond.toFixed(1)} stats/s, statuses ${JSON.stringify(run.statuses)}`,
    });
  }
  report({
    bench: 'api',
    metric: "noisy tenant's own throughput under the bound",
    variant: 'API_TENANT_CONCURRENCY=4',
    value: on.noisyPerSecond,
    unit: 'requests/s',
    baseline: 'no bound',
    ratio: on.noisyPerSecond / off.noisyPerSecond,
  });
} finally {
  await bench.drop();
}
