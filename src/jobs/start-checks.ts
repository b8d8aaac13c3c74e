import type { Job } from 'graphile-worker';
import { isConnectionError, isRetryableConflict } from '../db/errors.ts';
import type { Envelope } from './envelope.ts';
import type { ExecutionDeps } from './execute.ts';
import { tenantQueueName } from './lanes.ts';
import { needsStartGate } from './rate-gate.ts';
import { heldReason } from './tenant-gate.ts';

/**
 * How long a job whose start could not be checked (the database did not answer) waits in its
 * lane before it is admitted again.
 */
export const UNCHECKED_RETRY_MS = 1_000;

/**
 * Why a laned job may not start now: its tenant is suspended or its queue paused, its rate
 * limit is reached (`waitMs` until its windows have room), or the checks could not be made.
 * Undefined when it may start.
 *
 * A check that fails because the database cannot be reached, or on a deadlock, is no fault of
 * the job: it is held back like a paused one rather than failing an attempt, so a job with one
 * attempt is not lost to a database restart, and none is counted against its retries.
 * Other errors (a fault of ours) propagate and fail the attempt as any error would.
 */
async function holdReason(
  envelope: Envelope & { tenant: string },
  deps: ExecutionDeps,
  startedAt: Date,
): Promise<{ reason: string; waitMs: number } | undefined> {
  try {
    const state = await deps.gate.tenant(envelope.tenant);
    const reason = state ? heldReason(state, envelope.queue) : undefined;
    if (reason) return { reason, waitMs: 0 };
    if (!envelope.rated || !needsStartGate(envelope.charge, startedAt)) return undefined;
    const lane = tenantQueueName(envelope.tenant, envelope.queue);
    const waitMs = await deps.starts.delay(lane, startedAt, envelope.charge?.atMs);
    return waitMs > 0 ? { reason: 'rate limit', waitMs } : undefined;
  } catch (err) {
    if (!isConnectionError(err) && !isRetryableConflict(err)) throw err;
    deps.logger.warn(
      { err, jobLog: envelope.log },
      'could not check a job before its start; it waits in its lane',
    );
    return { reason: 'start not checked, the database did not answer', waitMs: UNCHECKED_RETRY_MS };
  }
}

/**
 * A laned job that may not start now goes back to its lane, no attempt counted (the requeue
 * is written through the job-log writer, which waits out an outage). True when it was held.
 */
export async function heldBack(
  envelope: Envelope,
  job: Job,
  deps: ExecutionDeps,
  startedAt: Date,
): Promise<boolean> {
  if (!envelope.laned || envelope.tenant === undefined) return false;
  const workerId = deps.workerId();
  if (!workerId) return false;
  const held = await holdReason({ ...envelope, tenant: envelope.tenant }, deps, startedAt);
  if (!held) return false;
  await deps.writer.commit(envelope.log, {
    status: 'pending',
    step: `waiting: ${held.reason}`,
    requeue: {
      jobId: String(job.id),
      workerId,
      runAt: new Date(Date.now() + held.waitMs),
      attempts: envelope.attempt,
    },
  });
  return true;
}
