// (e) Weighted shares: three tenants with weights 1:1:2 (tenant_limits.weight) compete for
// the worker's 10 slots. Caps (50 each) are far above the slots and SCHEDULER_BUFFER=1 keeps
// graphile-worker's queue at one job per slot, so admission order decides who starts; each job
// sleeps 5 ms. Backlogs are topped up while it runs, so no tenant ever runs dry. Shares of
// starts (job_logs.started_at) are counted in each full 10 s window from the worker's start.
// (e2) the same with the first tenant's jobs spread over four queues and the third's over two:
// a tenant's share is the tenant's, however many queues it uses (migrations/0041).
import { sql } from 'kysely';
import type { BenchDatabase } from './database.ts';
import { clearJobs } from './jobs-checks.ts';
import { createTenants, dispatchBacklog, figure, setLimits, tally, tenantryWorker } from './jobs-harness.ts';

const WEIGHTS = [1, 1, 2];
const JOB_MS = 5;
const WINDOW_S = 10;
/** Waiting jobs kept per tenant (topped up every 500 ms). */
const KEEP_WAITING = 2000;

/** `queues[i]`: how many queues tenant i's jobs are spread over (round-robin). */
export async function weightedShares(
  bench: BenchDatabase,
  seconds: number,
  queues = [1, 1, 1],
): Promise<void> {
  const spread = queues.some((n) => n > 1);
  const tenants = await createTenants(bench, WEIGHTS.length, spread ? 'spread' : 'weighted');
  for (const [i, tenant] of tenants.entries())
    await setLimits(bench, tenant, { concurrency: 50, weight: WEIGHTS[i] });
  const names = (i: number) => (queues[i]! > 1 ? Array.from({ length: queues[i]! }, (_, q) => `q${q}`) : []);
  const topUp = async () => {
    const { rows } = await sql<{ tenant: string; n: number }>`
      SELECT l.tenant_id AS tenant, count(*)::int AS n FROM tenantry.lane_jobs j
      JOIN tenantry.lanes l ON l.name = j.lane
      WHERE l.tenant_id = ANY(${tenants}::text[]) AND j.job_id IS NULL GROUP BY l.tenant_id`.execute(
      bench.db,
    );
    for (const [i, tenant] of tenants.entries()) {
      const waiting = rows.find((r) => r.tenant === tenant)?.n ?? 0;
      if (waiting < KEEP_WAITING / 2)
        await dispatchBacklog(
          bench,
          [tenant],
          KEEP_WAITING - waiting,
          'bench-sleep',
          { ms: JOB_MS },
          2000,
          names(i),
        );
    }
  };
  await topUp();
  const worker = await tenantryWorker(bench, { SCHEDULER_BUFFER: '1' });
  tally.reset();
  const t0 = new Date();
  await worker.start();
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) {
    await topUp();
    await new Promise((r) => setTimeout(r, Math.min(500, Math.max(0, until - Date.now()))));
  }
  await worker.stop();
  const repeats = tally.repeats;

  const windows = Math.floor(seconds / WINDOW_S);
  const { rows } = await sql<{ tenant_id: string; w: number; n: number }>`
    SELECT tenant_id, floor(extract(epoch FROM started_at - ${t0}::timestamptz) / ${WINDOW_S})::int AS w, count(*)::int AS n
    FROM tenantry.job_logs
    WHERE tenant_id = ANY(${tenants}::text[]) AND started_at >= ${t0}::timestamptz
    GROUP BY 1, 2`.execute(bench.db);
  const total = WEIGHTS.reduce((a, b) => a + b, 0);
  let worst = 0;
  let starts = 0;
  const perWindow: string[] = [];
  for (let w = 0; w < windows; w++) {
    const counts = tenants.map((t) => rows.find((r) => r.tenant_id === t && r.w === w)?.n ?? 0);
    const sum = counts.reduce((a, b) => a + b, 0);
    starts += sum;
    const shares = counts.map((n) => (sum ? n / sum : 0));
    shares.forEach((share, i) => {
      worst = Math.max(worst, Math.abs(share / (WEIGHTS[i]! / total) - 1));
    });
    perWindow.push(`${shares.map((s) => (100 * s).toFixed(1)).join('/')} of ${sum}`);
  }
  const problem = await clearJobs(bench, 'weighted shares', false);
  figure({
    metric: `weighted shares${spread ? ' across queues' : ''}, largest deviation from 25/25/50`,
    variant: `weights 1:1:2${spread ? ` over ${queues.join('/')} queues` : ''}, cap 50 each, ${JOB_MS} ms jobs, SCHEDULER_BUFFER=1, ${windows} x ${WINDOW_S} s`,
    value: 100 * worst,
    unit: '% of target share',
    target: '<= 10%',
    met: windows > 0 && worst <= 0.1,
    detail: `shares % per ${WINDOW_S} s window: ${perWindow.join('; ')}; ${(starts / (windows * WINDOW_S)).toFixed(0)} starts/s${repeats ? `; ${repeats} jobs ran twice` : ''}${problem ? `; ${problem}` : ''}`,
  });
}
