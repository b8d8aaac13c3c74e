// (g) Rate limit: one tenant limited to 20 starts per 1 s (tenant_limits.rate_limit=20,
// rate_period_ms=1000, cap 50 so the rate is what binds) with a no-op backlog far larger than
// the run can start, spread over two of its queues (the limit is the tenant's, all its queues
// together). Starts are read from job_logs.started_at afterwards: the most in any
// sliding 1 s (the limit's promise), and the sustained rate against the limit (the price of
// the sliding window's slices: room comes back up to 1/16 of a period late).
import { sql } from 'kysely';
import type { BenchDatabase } from './database.ts';
import { clearJobs } from './jobs-checks.ts';
import { createTenants, dispatchBacklog, figure, setLimits, tenantryWorker } from './jobs-harness.ts';
import { mostInSliding } from './sliding-window.ts';

const LIMIT = 20;
const PERIOD_MS = 1000;
const QUEUES = ['default', 'reports'];

export async function rateLimit(bench: BenchDatabase, seconds: number): Promise<void> {
  const [tenant] = await createTenants(bench, 1, 'rated');
  await setLimits(bench, tenant!, { concurrency: 50, rateLimit: LIMIT, ratePeriodMs: PERIOD_MS });
  await dispatchBacklog(bench, [tenant!], LIMIT * (seconds + 5) * 2, 'bench-noop', {}, 2000, QUEUES);
  const worker = await tenantryWorker(bench);
  await worker.start();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  await worker.stop();
  const { rows } = await sql<{ at: Date; queue: string }>`
    SELECT started_at AS at, queue FROM tenantry.job_logs WHERE tenant_id = ${tenant} AND started_at IS NOT NULL
    ORDER BY started_at`.execute(bench.db);
  const starts = rows.map((r) => r.at.getTime());
  const perQueue = QUEUES.map((q) => `${q} ${rows.filter((r) => r.queue === q).length}`).join(', ');
  const problem = await clearJobs(bench, 'rate limit', false);

  const sliding = mostInSliding(starts, PERIOD_MS);
  const variant = `${LIMIT} per ${PERIOD_MS} ms, backlog over ${QUEUES.length} queues, ${seconds} s`;
  figure({
    metric: 'rate limit: most starts in any sliding 1 s',
    variant,
    value: sliding,
    unit: 'starts',
    target: `<= ${LIMIT}`,
    met: sliding <= LIMIT,
    detail: `${starts.length} starts (${perQueue})${problem ? `; ${problem}` : ''}`,
  });
  // From the first start to the last full period after it.
  const span = starts.length > 1 ? starts.at(-1)! - starts[0]! : 0;
  const periods = Math.floor(span / PERIOD_MS);
  const sustained =
    periods > 0 ? starts.filter((t) => t < starts[0]! + periods * PERIOD_MS).length / periods : 0;
  figure({
    metric: 'rate limit: sustained starts per period',
    variant,
    value: sustained,
    unit: 'starts',
    baseline: `the limit (${LIMIT})`,
    ratio: sustained / LIMIT,
    detail: `${periods} whole periods from the first start`,
  });
}
