// Tenantry's throughput (d): a no-op backlog over N tenants (cap CAP each) dispatched through
// dispatchJobs before the clock starts, one WorkerService (concurrency CONCURRENCY, default
// scheduler settings, job logs written as always), timed from start() to the last completion;
// then job_logs are checked for any tenant that ran more than its cap at once.
import { sql } from 'kysely';
import type { WorkerService } from '../../src/worker/runner.ts';
import type { BenchDatabase } from './database.ts';
import { type Concurrency, clearJobs, observedConcurrency } from './jobs-checks.ts';
import { dispatchBacklog, type Throughput, tenantryWorker, timedDrain } from './jobs-harness.ts';

export type TenantryThroughput = Throughput &
  Concurrency & { /** Lane accounting found off afterwards. */ problem?: string };

export async function analyzeTenantry(bench: BenchDatabase): Promise<void> {
  await sql`ANALYZE tenantry.lanes, tenantry.lane_jobs, tenantry.job_logs`.execute(bench.db);
}

export async function tenantryThroughput(
  bench: BenchDatabase,
  tenants: readonly string[],
  jobs: number,
  limitMs = Number.POSITIVE_INFINITY,
  env: Record<string, string> = {},
): Promise<TenantryThroughput> {
  await dispatchBacklog(bench, tenants, jobs);
  await analyzeTenantry(bench);
  // Built before the clock: connections, listener and caches are not job processing.
  const worker: WorkerService = await tenantryWorker(bench, env);
  const result = await timedDrain(() => worker.start(), jobs, limitMs);
  await worker.stop();
  const observed = await observedConcurrency(bench, tenants);
  const problem = await clearJobs(bench, `Tenantry at ${tenants.length} tenants`);
  return { ...result, ...observed, problem };
}
