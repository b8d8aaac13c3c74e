// Raw graphile-worker 0.18 on the bench database: the ceiling (a) and one named queue per
// tenant (b), both with batched fetching (localQueue) and batched completion.
import { EventEmitter } from 'node:events';
import { Logger, makeWorkerUtils, type Runner, run, type Task } from 'graphile-worker';
import { sql } from 'kysely';
import type { BenchDatabase } from './database.ts';
import { vacuumChurned } from './jobs-checks.ts';
import { CONCURRENCY, type Throughput, tally, timedDrain } from './jobs-harness.ts';

/**
 * Jobs fetched and locked per batch: 500, fifty rounds of the 10 worker slots, as in the
 * measurements that motivated the scheduler; large enough that fetching is never the limit.
 */
export const RAW_LOCAL_QUEUE = 500;

const rawNoop: Task = async (_payload, helpers) => {
  tally.count(String(helpers.job.job_queue_id ?? ''), helpers.job.id);
};

/** graphile-worker logs every job at info; the bench prints its own figures only. */
const silent = new Logger(() => () => {});

export function startRaw(bench: BenchDatabase, localQueue = RAW_LOCAL_QUEUE): Promise<Runner> {
  return run({
    pgPool: bench.pool,
    taskList: { 'raw-noop': rawNoop },
    // Without this graphile-worker would load the repository's crontab file.
    parsedCronItems: [],
    concurrency: CONCURRENCY,
    noHandleSignals: true,
    pollInterval: 1000,
    events: new EventEmitter(),
    logger: silent,
    preset: {
      worker: { localQueue: { size: localQueue }, completeJobBatchDelay: 0, failJobBatchDelay: 0 },
    },
  });
}

/** Raw no-op jobs spread round-robin over `queues` named queues (0: the unnamed queue). */
export async function addRawJobs(bench: BenchDatabase, count: number, queues: number): Promise<void> {
  for (let offset = 0; offset < count; offset += 2000) {
    const n = Math.min(2000, count - offset);
    const names = Array.from({ length: n }, (_, i) => (queues ? `q${(offset + i) % queues}` : null));
    await sql`
      SELECT graphile_worker.add_jobs(array_agg(ROW('raw-noop', '{}'::json, name, now(), 1, NULL, 0, NULL)
        ::graphile_worker.job_spec ORDER BY ord), false)
      FROM unnest(${names}::text[]) WITH ORDINALITY AS u(name, ord)`.execute(bench.db);
  }
}

/** Removes what a cut run left and the queue rows, as graphile-worker's own GC task does. */
async function clearRaw(bench: BenchDatabase): Promise<void> {
  await sql`DELETE FROM graphile_worker._private_jobs WHERE task_id = (
    SELECT id FROM graphile_worker._private_tasks WHERE identifier = 'raw-noop')`.execute(bench.db);
  const utils = await makeWorkerUtils({ pgPool: bench.pool, logger: silent });
  await utils.cleanup({ tasks: ['GC_JOB_QUEUES'] });
  await utils.release();
  await vacuumChurned(bench);
}

/**
 * No-op throughput of raw graphile-worker over a backlog added before the clock starts, timed
 * from run() to the last completion; a run still going after `limitMs` is cut there and
 * measured on what it did (a collapsed configuration would otherwise take minutes).
 */
export async function rawThroughput(
  bench: BenchDatabase,
  jobs: number,
  queues: number,
  limitMs = Number.POSITIVE_INFINITY,
): Promise<Throughput> {
  await addRawJobs(bench, jobs, queues);
  await sql`ANALYZE graphile_worker._private_jobs`.execute(bench.db);
  let runner: Runner | undefined;
  const result = await timedDrain(
    async () => {
      runner = await startRaw(bench);
    },
    jobs,
    limitMs,
  );
  await runner?.stop();
  await clearRaw(bench);
  return result;
}
