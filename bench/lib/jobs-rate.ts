// (g) Rate limit: one tenant limited to 20 starts per 1 s (tenant_limits.rate_limit=20,
// rate_period_ms=1000, cap 50 so the rate is what binds) with a no-op backlog far larger than
// the run can start. The lane's windows are read from lanes.window_start while it runs (a
// window opens at the first admission after the previous one ended); starts are counted from
// job_logs.started_at in each of those windows, and in every sliding 1 s window.
import { sql } from 'kysely';
import type { BenchDatabase } from './database.ts';
import { clearJobs } from './jobs-checks.ts';
import { createTenants, dispatchBacklog, figure, setLimits, tenantryWorker } from './jobs-harness.ts';

const LIMIT = 20;
const PERIOD_MS = 1000;

export async function rateLimit(bench: BenchDatabase, seconds: number): Promise<void> {
  const [tenant] = await createTenants(bench, 1, 'rated');
  await setLimits(bench, tenant!, { concurrency: 50, rateLimit: LIMIT, ratePeriodMs: PERIOD_MS });
  await dispatchBacklog(bench, [tenant!], LIMIT * (seconds + 5) * 2);
  const worker = await tenantryWorker(bench);
  const windowStarts = new Set<number>();
  await worker.start();
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) {
    // -infinity (no window yet) is left out by the filter.
    const { rows } = await sql<{ at: Date }>`
      SELECT window_start AS at FROM tenantry.lanes WHERE tenant_id = ${tenant} AND isfinite(window_start)`.execute(
      bench.db,
    );
    if (rows[0]) windowStarts.add(rows[0].at.getTime());
    await new Promise((r) => setTimeout(r, 25));
  }
  await worker.stop();
  const { rows } = await sql<{ at: Date }>`
    SELECT started_at AS at FROM tenantry.job_logs WHERE tenant_id = ${tenant} AND started_at IS NOT NULL
    ORDER BY started_at`.execute(bench.db);
  const starts = rows.map((r) => r.at.getTime());
  const problem = await clearJobs(bench, 'rate limit', false);

  // Starts in each of the lane's windows; a window that opened before the first sample or
  // after the last is not counted.
  const opened = [...windowStarts].sort((a, b) => a - b);
  const perWindow = opened.map((from) => starts.filter((t) => t >= from && t < from + PERIOD_MS).length);
  const outside = starts.filter((t) => !opened.some((from) => t >= from && t < from + PERIOD_MS)).length;
  let sliding = 0;
  for (let i = 0, j = 0; i < starts.length; i++) {
    while (starts[j]! < starts[i]! - PERIOD_MS + 1) j++;
    sliding = Math.max(sliding, i - j + 1);
  }
  const maxAligned = Math.max(0, ...perWindow);
  const variant = `${LIMIT} per ${PERIOD_MS} ms, backlog, ${seconds} s`;
  figure({
    metric: "rate limit: most starts in one of the lane's windows",
    variant,
    value: maxAligned,
    unit: 'starts',
    target: `<= ${LIMIT}`,
    met: maxAligned <= LIMIT && outside === 0,
    detail:
      `${starts.length} starts in ${opened.length} windows; per window: ${perWindow.join(' ')}` +
      `${outside ? `; ${outside} starts outside every observed window` : ''}${problem ? `; ${problem}` : ''}`,
  });
  figure({
    metric: 'rate limit: most starts in any sliding 1 s',
    variant,
    value: sliding,
    unit: 'starts',
    target: `<= ${LIMIT}`,
    met: sliding <= LIMIT,
  });
}
