import { setMaxListeners } from 'node:events';
import type { Job, JobHelpers, Task } from 'graphile-worker';
import type { Kysely } from 'kysely';
import type { Db } from '../db/database.ts';
import type { TenantDatabase } from '../db/tenant-database.ts';
import { settledWithin } from '../deadline.ts';
import type { Logger } from '../logger.ts';
import { runInTenant } from '../tenancy.ts';
import type { RunningJobs } from './cancellation.ts';
import { attemptsAllowed, attemptTimeoutMs, type JobCeilings } from './ceilings.ts';
import { type JobInfo, payloadProblem, type TaskDefinition } from './define.ts';
import { type Envelope, envelopeOf } from './envelope.ts';
import { JobCancelledError, JobTimeoutError, PermanentJobError, WorkerShutdownError } from './errors.ts';
import { SLOT_QUANTUM_MS, withoutNul } from './log-batch.ts';
import type { JobLogWriter } from './log-writer.ts';
import type { JobMetrics } from './metrics.ts';
import type { StartGate } from './rate-gate.ts';
import type { TaskServices } from './services.ts';
import { heldBack } from './start-checks.ts';
import { taskContext } from './task-context.ts';
import type { TenantGate } from './tenant-gate.ts';

export interface ExecutionDeps {
  db: Db;
  tenantDb: Kysely<TenantDatabase>;
  logger: Logger;
  writer: JobLogWriter;
  running: RunningJobs;
  gate: TenantGate;
  /** The start gate of rate-limited jobs. */
  starts: StartGate;
  metrics: JobMetrics;
  services: TaskServices;
  /** graphile-worker's pool id (the `locked_by` of our jobs), once the pool exists. */
  workerId: () => string | undefined;
  /** This worker's bounds on the tenant jobs it runs (`worker --tries --timeout`). */
  ceilings?: JobCeilings;
}

/** graphile-worker's own retry delay, used for laned jobs' retries too: e^min(10, attempt) seconds. */
export function retryDelayMs(attempt: number): number {
  return Math.round(Math.exp(Math.min(10, attempt)) * 1000);
}

function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

const sharedSignals = new WeakSet<AbortSignal>();

/** graphile-worker's shutdown signal is shared by every running job, each listening once. */
function allowListenerPerJob(signal: AbortSignal): void {
  if (sharedSignals.has(signal)) return;
  sharedSignals.add(signal);
  setMaxListeners(0, signal);
}

/** How long a cancelled job's handler gets to stop (and undo) before the job is written cancelled. */
const CANCEL_UNDO_WAIT_MS = 60_000;

/** Rejects with the signal's reason as soon as it aborts, whether or not the handler listens. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * The result as stored: JSON without NUL characters, and at most `maxBytes` (JOB_RESULT_MAX_BYTES);
 * a larger one is replaced by a note of its size, so one job cannot bloat every page that lists it.
 */
function resultJson(result: unknown, logger: () => Logger, maxBytes: number): string | undefined {
  try {
    // The replacer walks every value; most results have no NUL to remove and skip it.
    let json = JSON.stringify(result ?? null);
    let clean = !json.includes('\\u0000');
    if (!clean) {
      json = JSON.stringify(result ?? null, (_key, value) =>
        typeof value === 'string' ? withoutNul(value) : value,
      );
      clean = !json.includes('\\u0000');
    }
    const bytes = Buffer.byteLength(json);
    if (bytes > maxBytes) {
      logger().warn(
        { bytes, maxBytes },
        'job result is larger than JOB_RESULT_MAX_BYTES; only its size is stored',
      );
      return JSON.stringify({ truncated: true, bytes, max_bytes: maxBytes });
    }
    if (clean) return json;
    logger().warn('job result has NUL characters in its keys; not stored');
  } catch (err) {
    logger().warn({ err }, 'job result is not JSON-serializable; not stored');
  }
  return undefined;
}

/** For a job that ends here for good (graphile-worker will not run it again). */
function releaseOf(job: Job, deps: ExecutionDeps): { jobId: string; workerId: string } | undefined {
  const workerId = deps.workerId();
  return workerId ? { jobId: String(job.id), workerId } : undefined;
}

/**
 * Jobs the crontab adds carry graphile-worker's `_cron` payload instead of our envelope; they
 * get their job_logs row on first run, found again by job id on later attempts.
 */
async function adoptCronJob(
  deps: ExecutionDeps,
  definition: TaskDefinition,
  job: Job,
  raw: object,
): Promise<Envelope> {
  const { _cron, ...payload } = raw as { _cron?: unknown };
  const existing = await deps.db
    .selectFrom('tenantry.job_logs')
    .select('id')
    .where('job_id', '=', String(job.id))
    .executeTakeFirst();
  const row =
    existing ??
    (await deps.db
      .insertInto('tenantry.job_logs')
      .values({
        job_id: String(job.id),
        task: definition.name,
        queue: 'default',
        payload: JSON.stringify(payload),
        meta: JSON.stringify({ cron: _cron }),
        max_attempts: job.max_attempts,
        priority: job.priority,
        run_at: job.run_at,
      })
      .returning('id')
      .executeTakeFirstOrThrow());
  return {
    log: String(row.id),
    tenant: undefined,
    queue: 'default',
    payload,
    laned: false,
    rated: false,
    charge: undefined,
    attempt: 0,
  };
}

/** Wraps a definition as a graphile-worker task: tenant context, job log, timeout, cancel, retries. */
export function toGraphileTask(definition: TaskDefinition, deps: ExecutionDeps): Task {
  return async (raw, helpers) => {
    let envelope = envelopeOf(raw);
    if (!envelope && typeof raw === 'object' && raw !== null && '_cron' in raw) {
      envelope = await adoptCronJob(deps, definition, helpers.job, raw);
    }
    if (!envelope) {
      deps.logger.error(
        { job: helpers.job.id, task: definition.name },
        'job has no Tenantry envelope; dropped',
      );
      return;
    }
    await runJob(definition, envelope, helpers, deps);
  };
}

async function runJob(
  definition: TaskDefinition,
  envelope: Envelope,
  helpers: JobHelpers,
  deps: ExecutionDeps,
) {
  const job: Job = helpers.job;
  // Taken before the start gates: a rate-limited start is counted at this time (rate-gate.ts).
  const startedAt = new Date();
  if (await heldBack(envelope, job, deps, startedAt)) return;
  const laned = envelope.laned;
  // This worker's --tries/--timeout bound tenant work; Tenantry's own and operators' work
  // (backups, restores, maintenance, callback deliveries) keeps its task's limits.
  const ceilings = definition.audience === 'tenant' ? deps.ceilings : undefined;
  const attempt = envelope.attempt + job.attempts;
  const dispatchedAttempts = envelope.attempt + job.max_attempts;
  const info: JobInfo = {
    id: String(job.id),
    logId: envelope.log,
    task: definition.name,
    queue: envelope.queue,
    attempt,
    // Never below this attempt (one made elsewhere past this worker's --tries): it is the last.
    maxAttempts: Math.max(attempt, attemptsAllowed(dispatchedAttempts, ceilings)),
  };
  const controller = new AbortController();
  const unregister = deps.running.register(info.logId, controller);
  const timeoutMs = attemptTimeoutMs(definition.timeoutMs, ceilings);
  const timer = setTimeout(() => controller.abort(new JobTimeoutError(timeoutMs)), timeoutMs);
  const onShutdown = () => controller.abort(new WorkerShutdownError());
  if (helpers.abortSignal) allowListenerPerJob(helpers.abortSignal);
  helpers.abortSignal?.addEventListener('abort', onShutdown, { once: true });
  const ctx = taskContext(deps, info, envelope.tenant, controller.signal);
  // duration_ms is an int column: about 24 days at most.
  const elapsed = () => Math.min(2 ** 31 - 1, Date.now() - startedAt.getTime());
  // Slot time a laned attempt held, charged to its lane's fair share when long (migrations/0014).
  const held = (ms = elapsed()) => (laned ? { heldMs: ms } : {});
  // An outcome graphile-worker may only hear of once written (a failure, a cancellation) holds
  // the slot until then. The attempt's own slot time is charged with the outcome, so a long one
  // (a hang until its timeout) is charged before its lane can be refilled; the time its write
  // then held the slot is charged on top, on its own (migrations/0022).
  const chargeWriteTime = (heldAtWrite: number) => {
    if (!laned) return;
    const extra = elapsed() - Math.max(heldAtWrite, SLOT_QUANTUM_MS);
    // slot_charge(quantum + extra) is extra / quantum: what the first charge left out.
    if (extra > 0) deps.writer.settle(info.logId, { heldMs: SLOT_QUANTUM_MS + extra });
  };
  deps.metrics.started();
  deps.writer.note(info.logId, { status: 'running', attempts: info.attempt, startedAt });
  let work: Promise<unknown> | undefined;
  try {
    if (envelope.tenant !== undefined && !(await deps.gate.tenant(envelope.tenant))) {
      throw new PermanentJobError(`tenant ${envelope.tenant} no longer exists`);
    }
    const problem = payloadProblem(definition, envelope.payload);
    if (problem) {
      throw new PermanentJobError(
        `payload does not match task ${definition.name}: ${problem.path} ${problem.message}`,
      );
    }
    work = runInTenant(envelope.tenant, () => definition.handler(envelope.payload, ctx));
    const result = await untilAborted(work, controller.signal);
    if (definition.onCompleted) {
      const hook = (async () =>
        runInTenant(envelope.tenant, () => definition.onCompleted!(envelope.payload, result, ctx)))();
      await untilAborted(hook, controller.signal).catch((err: unknown) =>
        ctx.logger.error({ err }, 'onCompleted hook failed; the job is completed all the same'),
      );
    }
    deps.writer.settle(info.logId, {
      status: 'completed',
      progress: 100,
      // The job's logger only when there is something to say: building it costs more than a no-op job.
      result: resultJson(result, () => ctx.logger, deps.services.config.jobLimits.resultBytes),
      finishedAt: new Date(),
      durationMs: elapsed(),
      ...held(),
      // No release: graphile-worker's own completion removes the job; a laned job frees its slot.
      finishLane: laned,
    });
    deps.metrics.completed(definition.name);
  } catch (thrown) {
    const error = toError(controller.signal.aborted ? controller.signal.reason : thrown);
    if (error instanceof JobCancelledError) {
      // Cancelled once the handler has stopped (or CANCEL_UNDO_WAIT_MS have passed): what it
      // undoes on its signal (a restore putting the previous schema back) is done by then, and
      // a process that ends when the job does (the CLI running its own job) does not cut it off.
      if (work) await settledWithin(work, CANCEL_UNDO_WAIT_MS);
      const heldAtWrite = elapsed();
      await deps.writer.commit(info.logId, {
        status: 'cancelled',
        finishedAt: new Date(),
        durationMs: heldAtWrite,
        ...held(heldAtWrite),
        finishLane: laned,
      });
      chargeWriteTime(heldAtWrite);
      deps.metrics.cancelled(definition.name);
      ctx.logger.info('job cancelled while running');
      return; // graphile-worker removes it: a cancelled job never retries
    }
    const workerId = deps.workerId();
    // A shutdown is not the job's failure: a laned job goes back to its lane, due at once,
    // with this attempt not counted, as a job held back at its start does. Counting it failed
    // a job for good when two deploys in a row met it on its last attempts ("it will be
    // retried", it said). A central job's log says the same; graphile-worker counts the
    // attempt as it fails the job (its own row is locked until then), and the reconcile gives
    // it back (revive_shutdown_central_jobs, migrations/0039): a one-attempt backup met by a
    // deploy ran again instead of failing for good.
    const central = !laned && envelope.tenant === undefined;
    if (error instanceof WorkerShutdownError && (central || (laned && workerId))) {
      const heldAtWrite = elapsed();
      await deps.writer.commit(info.logId, {
        status: 'pending',
        attempts: info.attempt - 1,
        errorMessage: `${error.message}; it runs again, this attempt not counted`,
        ...held(heldAtWrite),
        ...(laned && workerId
          ? { requeue: { jobId: String(job.id), workerId, runAt: new Date(), attempts: info.attempt - 1 } }
          : {}),
      });
      if (central) {
        ctx.logger.warn('central job given back: the worker shut down before it finished');
        throw error;
      }
      ctx.logger.warn('job returned to its lane: the worker shut down before it finished');
      return;
    }
    const final = error instanceof PermanentJobError || info.attempt >= info.maxAttempts;
    // Attempts left that this worker's --tries does not give: failed for good here, handled as a
    // permanent failure (graphile-worker would retry it otherwise).
    const triesCut = final && !(error instanceof PermanentJobError) && info.attempt < dispatchedAttempts;
    const permanent = error instanceof PermanentJobError || triesCut;
    ctx.logger[final ? 'error' : 'warn'](
      { err: error, final },
      final ? 'job failed permanently' : 'job attempt failed',
    );
    // The hook runs before the terminal write, so whatever it records lands with it.
    if (final && definition.onFailed) {
      await runInTenant(envelope.tenant, () => definition.onFailed!(envelope.payload, error, ctx)).catch(
        (err: unknown) => ctx.logger.error({ err }, 'onFailed hook failed'),
      );
    }
    // A laned job's retry waits in its lane, not in graphile-worker, so it holds no slot while
    // it backs off; graphile-worker then completes a job that is already gone (a no-op).
    const requeue =
      laned && !final && workerId
        ? {
            jobId: String(job.id),
            workerId,
            runAt: new Date(Date.now() + retryDelayMs(info.attempt)),
            attempts: info.attempt,
          }
        : undefined;
    const heldAtWrite = elapsed();
    await deps.writer.commit(info.logId, {
      status: final ? 'failed' : 'pending',
      errorMessage: withoutNul(
        triesCut
          ? `worker --tries ${ceilings?.tries} reached at attempt ${info.attempt}: ${error.message}`
          : error.message,
      ).slice(0, 10_000),
      errorStack: error.stack === undefined ? undefined : withoutNul(error.stack).slice(0, 20_000),
      ...(final ? { finishedAt: new Date(), durationMs: heldAtWrite } : {}),
      ...held(heldAtWrite),
      ...(permanent || (laned && final) ? { release: releaseOf(job, deps), finishLane: laned } : {}),
      ...(requeue ? { requeue } : {}),
    });
    chargeWriteTime(heldAtWrite);
    deps.metrics.failed(definition.name, final);
    if (!permanent && !(laned && (final || requeue))) throw error;
  } finally {
    clearTimeout(timer);
    helpers.abortSignal?.removeEventListener('abort', onShutdown);
    unregister();
  }
}
