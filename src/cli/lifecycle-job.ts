import { setTimeout as sleep } from 'node:timers/promises';
import type { JobLogRow } from '../job-logs/repository.ts';
import type { Runtime } from '../runtime.ts';
import type { PayloadOf, TaskName } from '../tasks/index.ts';
import { Interrupted } from './interrupt.ts';

/** The queue of the lifecycle tasks (tenant-backup, tenant-restore, tenant-maintenance). */
const LIFECYCLE_QUEUE = 'lifecycle';
/** An operator waits at a terminal: the command's job goes ahead of the crontab's and the API's. */
const OPERATOR_PRIORITY = -100;

export interface LifecycleJob<N extends TaskName> {
  task: N;
  payload: PayloadOf<N>;
  /** The tenant it is about, when one: its job logs list it (source `tenant`), as the API's do. */
  tenant?: string;
  /** For messages: "the restore of acme". */
  what: string;
}

/**
 * The CLI's backups, restores and maintenance run as jobs, as the API's and the crontab's do,
 * so each has a job log (progress, result, error) whoever started it. The command dispatches
 * the job and stays with it to the end: a live worker that takes lifecycle jobs runs it and the
 * command follows; with none (the service stopped, a disaster), the command runs it itself, in
 * a worker of its own that takes that one job (registered and heard like any worker, so a
 * command killed mid-job is rescued as a dead worker would be). Ctrl-C cancels a job the command runs (a restore puts the previous schema
 * back) and ends with 130; following another worker's, it stops following and the job goes on.
 * Resolves with the completed job's log; a failed or cancelled job is an error.
 */
export async function runLifecycleJob<N extends TaskName>(
  runtime: Runtime,
  job: LifecycleJob<N>,
  { wait }: { wait: boolean },
): Promise<JobLogRow | undefined> {
  const { dispatch } = await import('../tasks/index.ts');
  const source = job.tenant ? { type: 'tenant', id: job.tenant } : undefined;
  const { id } = await dispatch(runtime.db, job.task, job.payload, { priority: OPERATOR_PRIORITY, source });
  console.error(`job log ${id}: ${job.task} (tenantry jobs show ${id})`);
  return wait ? settle(runtime, id, job.what) : undefined;
}

async function settle(runtime: Runtime, id: string, what: string): Promise<JobLogRow> {
  const [{ findJobLog }, { cancelJob }, { default: cliProgress }] = await Promise.all([
    import('../job-logs/repository.ts'),
    import('../jobs/control.ts'),
    import('cli-progress'),
  ]);
  const following = new AbortController();
  let here: { done: Promise<void>; stop: AbortController } | undefined;
  let failedHere: unknown;
  let cancelled = false;
  const onSignal = (name: NodeJS.Signals) => {
    if (cancelled || following.signal.aborted) process.exit(130);
    console.error(
      `tenantry: ${name}: ${here ? `stopping ${what}` : 'no longer following'} (once more to exit at once)`,
    );
    if (!here) {
      following.abort(new Interrupted(`following job log ${id} (it goes on: tenantry jobs show ${id})`));
      return;
    }
    cancelled = true;
    // The handler's signal fires in this process; the job ends `cancelled` once it has undone its work.
    cancelJob(runtime.db, id).catch((err: unknown) => console.error(`tenantry: could not cancel: ${err}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const bar = new cliProgress.SingleBar(
    { format: `job log ${id} [{bar}] {percentage}% {step}`, stream: process.stderr, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(100, 0, { step: '' });
  const since = Date.now();
  let noted = false;
  try {
    for (;;) {
      const log = await findJobLog(runtime.db, id);
      if (!log) throw new Error(`job log ${id} was not found`);
      bar.update(log.status === 'completed' ? 100 : log.progress, { step: log.step ?? log.status });
      if (!['pending', 'running'].includes(log.status)) {
        here?.stop.abort();
        await here?.done;
        return outcome(log, what, cancelled);
      }
      // The job stays queued for a worker (the command's first line named its job log).
      if (failedHere) throw failedHere;
      if (!here && log.status === 'pending' && !cancelled && !(await lifecycleWorkerLive(runtime))) {
        const stop = new AbortController();
        here = {
          stop,
          done: runHere(runtime, stop.signal)
            .catch((err: unknown) => {
              failedHere = err;
            })
            .finally(() => {
              here = undefined;
            }),
        };
      }
      if (log.status === 'pending' && !noted && Date.now() - since > 3_000) {
        noted = true;
        const note = await whyWaiting(runtime, id);
        if (note) console.error(`\nnote: ${note}`);
      }
      await sleep(here ? 200 : 500, undefined, { signal: following.signal }).catch(() => {
        throw following.signal.reason;
      });
    }
  } finally {
    bar.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/**
 * Lifecycle jobs run one at a time (graphile-worker's named queue `lifecycle`): what holds the
 * queue, when something does. A worker that died holding it is declared dead, and the job
 * released, once it has been silent for WORKER_RESCUE_AFTER_MS.
 */
async function whyWaiting(runtime: Runtime, id: string): Promise<string | undefined> {
  const { sql } = await import('kysely');
  const { rows } = await sql<{ log_id: string | null; task: string; locked_by: string; seen: Date | null }>`
    SELECT l.id AS log_id, j.task_identifier AS task, j.locked_by, w.last_seen_at AS seen
    FROM graphile_worker.jobs j
    LEFT JOIN tenantry.job_logs l ON l.job_id = j.id
    LEFT JOIN tenantry.workers w ON w.id = j.locked_by
    WHERE j.queue_name = ${LIFECYCLE_QUEUE} AND j.locked_by IS NOT NULL AND l.id IS DISTINCT FROM ${id}::bigint`.execute(
    runtime.db,
  );
  const held = rows[0];
  if (!held) return undefined;
  const heard = held.seen ? `last heard ${held.seen.toISOString()}` : 'not a registered worker';
  return (
    `lifecycle jobs run one at a time; job log ${held.log_id ?? '?'} (${held.task}) runs first, on ${held.locked_by} (${heard}). ` +
    'A worker that died holding it is declared dead after WORKER_RESCUE_AFTER_MS of silence.'
  );
}

function outcome(log: JobLogRow, what: string, cancelled: boolean): JobLogRow {
  if (log.status === 'completed') return log;
  if (log.status === 'cancelled') {
    if (cancelled) throw new Interrupted(what);
    throw new Error(`job log ${log.id} was cancelled`);
  }
  throw new Error(`${log.error_message ?? `${what} failed`} (job log ${log.id})`);
}

/** A worker that takes central lifecycle jobs and is heard from (not stalled). */
async function lifecycleWorkerLive(runtime: Runtime): Promise<boolean> {
  const { liveWorkers } = await import('../worker/cluster-stats.ts');
  const workers = await liveWorkers(runtime.db, runtime.config.workerRescueAfterMs);
  return workers.some(
    (w) =>
      !w.stalled &&
      (w.tenants ?? []).length === 0 &&
      ((w.queues ?? []).length === 0 || w.queues!.includes(LIFECYCLE_QUEUE)),
  );
}

/**
 * A worker of the lifecycle queue in this process for one job (the command's own comes first,
 * by its priority), stopped when that job ends or on `signal`.
 */
async function runHere(runtime: Runtime, signal: AbortSignal): Promise<void> {
  const [{ WorkerService }, { registry }, { createLogger }] = await Promise.all([
    import('../worker/runner.ts'),
    import('../tasks/index.ts'),
    import('../logger.ts'),
  ]);
  const { logLevel } = runtime.config;
  const service = await WorkerService.create({
    config: runtime.config,
    pool: runtime.pool,
    db: runtime.db,
    connectionString: runtime.connectionString,
    // The command reports the job's end itself (its error and stack stay in the job log); the
    // worker's own lines, on stderr (stdout is the report), only when LOG_LEVEL asks for detail.
    logger: createLogger(
      logLevel === 'debug' || logLevel === 'trace' ? logLevel : 'fatal',
      Boolean(process.stderr.isTTY),
      2,
    ),
    registry,
    concurrency: 1,
    crontabFile: undefined,
    filter: { queues: [LIFECYCLE_QUEUE] },
    firstJobOnly: true,
  });
  await service.runFirstJob(signal);
}
