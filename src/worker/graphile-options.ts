import { EventEmitter } from 'node:events';
import type { ParsedCronItem, RunnerOptions, TaskList, WorkerEvents, WorkerPool } from 'graphile-worker';
import type pg from 'pg';
import type { Config } from '../config.ts';
import { type ExecutionDeps, toGraphileTask } from '../jobs/execute.ts';
import type { TaskRegistry } from '../jobs/registry.ts';
import type { TenantGate } from '../jobs/tenant-gate.ts';
import type { Logger } from '../logger.ts';
import { graphileLogger } from './graphile-logger.ts';

export interface GraphileSetup {
  options: RunnerOptions;
  events: WorkerEvents;
  /** The current pool, set from graphile-worker's `pool:create` event (a new one per restart). */
  poolRef: { current: WorkerPool | undefined };
}

/**
 * graphile-worker's runner options: our tasks wrapped with Tenantry's job semantics, the tenant
 * gate as forbidden flags, the crontab when asked for, and one event emitter that outlives
 * pool restarts (LoopHealth and the lane waker listen on it once).
 */
export function graphileSetup(input: {
  config: Config;
  pool: pg.Pool;
  logger: Logger;
  registry: TaskRegistry;
  concurrency: number;
  /** The crontab's entries, loaded and checked (crontab-items.ts); empty: no cron. */
  cronItems: ParsedCronItem[];
  pollInterval: number | undefined;
  gate: TenantGate;
  deps: Omit<ExecutionDeps, 'workerId'>;
}): GraphileSetup {
  const events: WorkerEvents = new EventEmitter();
  const poolRef: { current: WorkerPool | undefined } = { current: undefined };
  events.on('pool:create', ({ workerPool }) => {
    poolRef.current = workerPool;
  });
  const deps: ExecutionDeps = { ...input.deps, workerId: () => poolRef.current?.id };
  const taskList: TaskList = Object.fromEntries(
    input.registry.all().map((definition) => [definition.name, toGraphileTask(definition, deps)]),
  );
  const options: RunnerOptions = {
    pgPool: input.pool,
    taskList,
    events,
    concurrency: input.concurrency,
    // Always parsed items, checked before the start (a bad file stops it with one line instead
    // of graphile-worker retrying its pool start forever); given no file, graphile-worker
    // would read ./crontab itself.
    parsedCronItems: input.cronItems,
    noHandleSignals: true,
    pollInterval: input.pollInterval ?? 2000,
    logger: graphileLogger(input.logger),
    // graphile-worker fetches one job at a time, bypassing its local queue, whenever forbidden
    // flags are given (even an empty list), so only a filtered worker (--tenant, --queue) uses
    // them. Suspended and paused tenants need none: their lanes admit nothing, jobs already
    // admitted are taken back (sync_lanes), and one already fetched is held back at start.
    ...(input.gate.filtered ? { forbiddenFlags: input.gate.forbiddenFlags } : {}),
    // Tasks see their AbortSignal fire when the shutdown grace period is over.
    gracefulShutdownAbortTimeout: input.config.shutdownTimeoutMs,
    preset: {
      worker: {
        // Batching (even with no delay) is what makes shutdown wait for the final complete/fail
        // writes; unbatched, graphile-worker fires them and forgets, and one that fails while
        // the database is away is an unhandled rejection that ends the process.
        completeJobBatchDelay: 0,
        failJobBatchDelay: 0,
        // Tenant jobs reach graphile-worker's unnamed queue only when admitted (migrations/0009),
        // so fetching them in batches cannot starve anyone: the order of starts was chosen at
        // admission. The batch is bounded (at most sixteen rounds of the worker's slots, a few
        // milliseconds of no-op jobs), so one process does not lock jobs that another, idle
        // process could run. Each fetch is a commit, and so in effect is each batch of
        // completions and outcomes that follows it: against eight rounds, sixteen made ~30% fewer
        // commits a job and drained 2-5% faster at 100 and 1,000 tenants and ~20% for central
        // jobs; four rounds were 10-15% slower than eight. Twenty (all the admission depth) was
        // no faster than sixteen.
        ...(input.gate.filtered
          ? {}
          : {
              localQueue: {
                size: Math.max(2, input.concurrency * Math.min(16, input.config.schedulerBuffer)),
              },
            }),
      },
    },
  };
  return { options, events, poolRef };
}

/**
 * Options for a worker that takes one job and no other (the CLI's lifecycle commands run their
 * own job so when no worker is there to: src/cli/lifecycle-job.ts). Until a job starts, the
 * worker's own forbidden flags apply; from then on, the flags of its queues too, which every
 * job it may take carries, so it fetches nothing more. Run it with concurrency 1.
 */
export function firstJobOnly(setup: GraphileSetup, queues: readonly string[]): RunnerOptions {
  if (queues.length === 0) throw new Error('firstJobOnly needs a worker limited to some queues');
  const own = setup.options.forbiddenFlags;
  let started = false;
  setup.events.on('job:start', () => {
    started = true;
  });
  // A pool the supervisor starts again after an outage takes the job again (it was released).
  setup.events.on('pool:create', () => {
    started = false;
  });
  const ownFlags = async () => (typeof own === 'function' ? await own() : own) ?? [];
  return {
    ...setup.options,
    forbiddenFlags: async () =>
      started ? [...(await ownFlags()), 'central', ...queues.map((q) => `q:${q}`)] : ownFlags(),
  };
}
