// (d0) What job logs cost without any lane: Tenantry's central jobs (no tenant, so no lane and
// no admission; graphile-worker fetches them as it fetches raw jobs) against raw
// graphile-worker, alternating, one worker process of CONCURRENCY slots on both sides. Each
// central job has its log inserted at dispatch (before the clock) and written when it runs and
// ends, through the same task wrapper and batched writer as a tenant job. Tenant jobs add the
// lane on top of this, so the ratio here bounds theirs from above (issue 14 asks 0.4x of raw).
import { sql } from 'kysely';
import type { BenchDatabase } from './database.ts';
import { clearJobs } from './jobs-checks.ts';
import { CONCURRENCY, dispatchBacklog, figure, tenantryWorker, timedDrain } from './jobs-harness.ts';
import { rawThroughput } from './jobs-raw.ts';
import { median } from './report.ts';

async function centralRate(bench: BenchDatabase, jobs: number): Promise<number> {
  await dispatchBacklog(bench, [], jobs, 'bench-central');
  await sql`ANALYZE tenantry.job_logs, graphile_worker._private_jobs`.execute(bench.db);
  const worker = await tenantryWorker(bench);
  const { rate } = await timedDrain(() => worker.start(), jobs);
  await worker.stop();
  await clearJobs(bench, 'central jobs');
  return rate;
}

export async function centralThroughput(bench: BenchDatabase, jobs: number, rounds: number): Promise<void> {
  const raw: number[] = [];
  const ours: number[] = [];
  for (let round = 0; round < rounds; round++) {
    raw.push((await rawThroughput(bench, jobs, 0)).rate);
    ours.push(await centralRate(bench, jobs));
  }
  figure({
    metric: 'throughput, Tenantry central jobs (no lane; job logs on)',
    variant: `${jobs.toLocaleString('en')} jobs, ${CONCURRENCY} slots`,
    value: median(ours),
    unit: 'jobs/s',
    baseline: 'raw graphile-worker, no named queues (a), alternating',
    ratio: median(ours.map((r, i) => r / raw[i]!)),
    detail: `runs ${ours.map((r, i) => `${r.toFixed(0)} vs ${raw[i]!.toFixed(0)}`).join(', ')}`,
  });
}
