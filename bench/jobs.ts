// Tenantry jobs against raw graphile-worker on the same database, in one run:
// (a)+(b) no-op throughput by tenant count, (c) enqueue-to-start latency at a steady
// 100 jobs/s, (d) fairness: tenant B's start latency while tenant A drains a backlog.
import { makeWorkerUtils } from 'graphile-worker';
import { sql } from 'kysely';
import { dispatchJobs } from '../src/jobs/dispatch.ts';
import { type BenchDatabase, benchDatabase } from './lib/database.ts';
import {
  addRawJobs,
  benchRegistry,
  createTenantry,
  createTenants,
  dispatchTenantJobs,
  latencies,
  startRaw,
  startTenantry,
  waitUntilDrained,
} from './lib/jobs-harness.ts';
import { percentile, report } from './lib/report.ts';

const quick = process.argv.includes('--quick');
const scale = quick ? 0.2 : 1;
const ROUNDS = quick ? 3 : 5;

async function timed(fn: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await fn();
  return (performance.now() - started) / 1000;
}

async function rawThroughput(bench: BenchDatabase, jobs: number, queues: number): Promise<number> {
  await addRawJobs(bench, jobs, queues);
  let runner: Awaited<ReturnType<typeof startRaw>> | undefined;
  const seconds = await timed(async () => {
    runner = await startRaw(bench);
    await waitUntilDrained(bench);
  });
  await runner?.stop();
  return jobs / seconds;
}

/** Timed from start(): building the service (listener, caches) is not job processing. */
async function tenantryThroughput(bench: BenchDatabase, jobs: number, tenants: string[]): Promise<number> {
  await dispatchTenantJobs(bench, jobs, tenants);
  const worker = await createTenantry(bench);
  const seconds = await timed(async () => {
    await worker.start();
    await waitUntilDrained(bench);
  });
  await worker.stop();
  return jobs / seconds;
}

const median = (values: number[]) => percentile(values, 50);

/**
 * Alternates raw and Tenantry runs and reports medians: on a shared machine one run can be
 * twice as fast as the next, and the ratio within a round is steadier than either figure.
 */
async function compareThroughput(bench: BenchDatabase, jobs: number, ids: string[], rounds: number) {
  const raw: number[] = [];
  const ours: number[] = [];
  const ratios: number[] = [];
  for (let round = 0; round < rounds; round++) {
    raw.push(await rawThroughput(bench, jobs, ids.length));
    ours.push(await tenantryThroughput(bench, jobs, ids));
    ratios.push(ours[round]! / raw[round]!);
  }
  return { raw: median(raw), ours: median(ours), ratio: median(ratios) };
}

async function steadyLatency(bench: BenchDatabase, send: (i: number) => Promise<void>, seconds: number) {
  latencies.length = 0;
  const total = Math.round(100 * seconds);
  const started = performance.now();
  for (let i = 0; i < total; i++) {
    await send(i);
    const due = started + (i + 1) * 10;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  await waitUntilDrained(bench);
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

const bench = await benchDatabase();
try {
  const variants = [
    // One lane is serial on both sides; raw graphile-worker idles a poll interval between its
    // jobs there (see lane-waker.ts), so a small count measures the same rate in bounded time.
    { tenants: 1, jobs: 30, rounds: 1 },
    { tenants: 100, jobs: Math.round(10_000 * scale), rounds: ROUNDS },
    { tenants: 1000, jobs: Math.round(10_000 * scale), rounds: ROUNDS },
  ];
  const unqueued = await rawThroughput(bench, Math.round(10_000 * scale), 0);
  report({
    bench: 'jobs',
    metric: 'throughput',
    variant: 'raw, no named queues',
    value: unqueued,
    unit: 'jobs/s',
  });
  for (const { tenants, jobs, rounds } of variants) {
    const ids = await createTenants(bench, tenants);
    const { raw, ours, ratio } = await compareThroughput(bench, jobs, ids, rounds);
    const variant = `${tenants} tenant${tenants === 1 ? '' : 's'}`;
    report({
      bench: 'jobs',
      metric: 'throughput',
      variant: `raw, ${tenants} named queues`,
      value: raw,
      unit: 'jobs/s',
    });
    report({
      bench: 'jobs',
      metric: 'throughput',
      variant,
      value: ours,
      unit: 'jobs/s',
      baseline: `graphile-worker raw, ${tenants} named queues (median of ${rounds})`,
      ratio,
    });
  }

  // (c) one job every 10 ms, each its own dispatch, over 100 tenants / 100 named queues. Empty
  // queue rows left by the variants above are collected first, as the queue-gc crontab task
  // does in production: every fetch locks each available queue row, so they would slow both sides.
  const utils = await makeWorkerUtils({ pgPool: bench.pool });
  await utils.cleanup({ tasks: ['GC_JOB_QUEUES'] });
  await utils.release();
  const tenants = await createTenants(bench, 100);
  const seconds = quick ? 3 : 10;
  const runner = await startRaw(bench);
  const raw = await steadyLatency(
    bench,
    (i) =>
      sql`SELECT graphile_worker.add_job('raw-noop', ${JSON.stringify({ sent_at: Date.now() })}::json, queue_name => ${`q${i % 100}`})`
        .execute(bench.db)
        .then(() => {}),
    seconds,
  );
  await runner.stop();
  const worker = await startTenantry(bench);
  const ours = await steadyLatency(
    bench,
    (i) =>
      dispatchJobs(bench.db, benchRegistry, [
        { task: 'noop', payload: { sent_at: Date.now() }, tenant: tenants[i % 100] },
      ]).then(() => {}),
    seconds,
  );
  for (const p of ['p50', 'p99'] as const) {
    report({
      bench: 'jobs',
      metric: `enqueue-to-start ${p}`,
      variant: '100 jobs/s over 100 tenants',
      value: ours[p],
      unit: 'ms',
      baseline: 'graphile-worker raw, same rate and queues',
      ratio: ours[p] / Math.max(raw[p], 0.001),
    });
  }

  // (d) tenant A has a backlog; tenant B dispatches single jobs meanwhile.
  await createTenants(bench, 1, 'backlog');
  await createTenants(bench, 1, 'quiet');
  await worker.stop();
  await dispatchTenantJobs(bench, Math.round(20_000 * scale), ['backlog0']);
  await addRawJobs(bench, 0, 0);
  const fair = await startTenantry(bench);
  latencies.length = 0;
  for (let i = 0; i < 40; i++) {
    await dispatchJobs(bench.db, benchRegistry, [
      { task: 'noop', payload: { sent_at: Date.now() }, tenant: 'quiet0' },
    ]);
    await new Promise((r) => setTimeout(r, 50));
  }
  await new Promise((r) => setTimeout(r, 1000));
  const quietP99 = percentile(latencies, 99);
  await fair.stop();
  await sql`DELETE FROM graphile_worker._private_jobs`.execute(bench.db);

  // Baseline: the same backlog and arrivals on one shared FIFO (no per-tenant queues).
  await addRawJobs(bench, Math.round(20_000 * scale), 0);
  const fifo = await startRaw(bench);
  latencies.length = 0;
  for (let i = 0; i < 40; i++) {
    await addRawJobs(bench, 1, 0, Date.now());
    await new Promise((r) => setTimeout(r, 50));
  }
  await waitUntilDrained(bench);
  const fifoP99 = percentile(latencies, 99);
  await fifo.stop();
  report({
    bench: 'jobs',
    metric: 'fairness: start p99 of tenant B while A drains a backlog',
    variant: `${Math.round(20_000 * scale)} queued for A`,
    value: quietP99,
    unit: 'ms',
    baseline: 'one shared FIFO queue (raw, no named queues)',
    ratio: quietP99 / fifoP99,
  });
} finally {
  await bench.drop();
}
