// (g2) Rate limits at scale. Every one of 1,000 tenants (cap 5) rate-limited:
// - at a limit far above what it runs (100,000 a second), draining a no-op backlog, against the
//   same tenants without a limit, alternating in one run (medians): what a limit costs;
// - at 3 starts a second each, with a backlog over two queues far larger than a run starts:
//   the most starts of any tenant in any sliding second (the promise), and the share of their
//   limits they got together.
import { sql } from 'kysely';
import type { BenchDatabase } from './database.ts';
import { clearJobs } from './jobs-checks.ts';
import { createTenants, dispatchBacklog, figure, setLimits, tenantryWorker } from './jobs-harness.ts';
import { tenantryThroughput } from './jobs-tenantry.ts';
import { median } from './report.ts';
import { mostPerTenant } from './sliding-window.ts';

const TENANTS = 1000;
const PERIOD_MS = 1000;

export async function ratedThroughput(bench: BenchDatabase, jobs: number, rounds: number): Promise<void> {
  const tenants = await createTenants(bench, TENANTS, 'rs');
  const free: number[] = [];
  const rated: number[] = [];
  const problems: string[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const limit of [null, 100_000]) {
      await setLimits(bench, tenants, limit === null ? {} : { rateLimit: limit, ratePeriodMs: PERIOD_MS });
      const run = await tenantryThroughput(bench, tenants, jobs);
      (limit === null ? free : rated).push(run.rate);
      if (run.startsOverCap > 0 || run.repeats > 0 || run.problem) {
        problems.push(
          `over cap ${run.startsOverCap}, repeats ${run.repeats}${run.problem ? `, ${run.problem}` : ''}`,
        );
      }
    }
  }
  await setLimits(bench, tenants, {});
  const ratio = median(rated.map((r, i) => r / free[i]!));
  figure({
    metric: 'throughput, Tenantry with every tenant rate-limited (limit far above its rate)',
    variant: `${TENANTS.toLocaleString('en')} tenants, cap 5, 100,000 / 1 s each, ${jobs.toLocaleString('en')} jobs`,
    value: median(rated),
    unit: 'jobs/s',
    baseline: 'the same tenants without a rate limit, alternating',
    ratio,
    detail: `runs ${rated.map((r, i) => `${r.toFixed(0)} vs ${free[i]!.toFixed(0)}`).join(', ')}${problems.length > 0 ? `; ${problems.join('; ')}` : ''}`,
  });
}

export async function ratedAtLimit(bench: BenchDatabase, limit: number, seconds: number): Promise<void> {
  const tenants = await createTenants(bench, TENANTS, 'rl', 20);
  await setLimits(bench, tenants, { rateLimit: limit, ratePeriodMs: PERIOD_MS });
  await dispatchBacklog(bench, tenants, TENANTS * limit * (seconds + 3), 'bench-noop', {}, 2000, ['a', 'b']);
  const worker = await tenantryWorker(bench);
  await worker.start();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  await worker.stop();
  const { rows } = await sql<{ tenant: string; at: Date }>`
    SELECT tenant_id AS tenant, started_at AS at FROM tenantry.job_logs
    WHERE tenant_id LIKE 'rl%' AND started_at IS NOT NULL ORDER BY tenant_id, started_at`.execute(bench.db);
  const problem = await clearJobs(bench, 'rate limits at scale', false);
  await setLimits(bench, tenants, {});
  const most = mostPerTenant(rows, PERIOD_MS);
  const share = rows.length / (TENANTS * limit * seconds);
  const variant = `${TENANTS.toLocaleString('en')} tenants at ${limit} / 1 s each, backlog over 2 queues, ${seconds} s`;
  figure({
    metric: 'rate limits at scale: most starts of one tenant in any sliding 1 s',
    variant,
    value: most,
    unit: 'starts',
    target: `<= ${limit}`,
    met: most <= limit,
    detail: `${rows.length} starts by ${new Set(rows.map((r) => r.tenant)).size} tenants${problem ? `; ${problem}` : ''}`,
  });
  figure({
    metric: 'rate limits at scale: starts against the tenants’ limits together',
    variant,
    value: rows.length / seconds,
    unit: 'starts/s',
    baseline: `their limits (${(TENANTS * limit).toLocaleString('en')} / s)`,
    ratio: share,
    detail: 'from the worker’s start, its first second included',
  });
}
