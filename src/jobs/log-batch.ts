import type pg from 'pg';
import type { JobStatus } from '../db/schema.ts';

/** Postgres text and jsonb refuse NUL characters; a row carrying one would never be written. */
export const withoutNul = (text: string) => text.replaceAll('\u0000', '');

/**
 * tenantry.slot_quantum_ms() (migrations/0014): an attempt that held its slot longer is charged
 * its slot time beyond one quantum. The slot-charge test holds the two equal.
 */
export const SLOT_QUANTUM_MS = 10;

/** Channel carrying comma-separated job-log ids whose row just changed. */
export const JOB_LOG_CHANNEL = 'tenantry_job_logs';

/** A partial change to one job_logs row; absent fields are left as they are. */
export interface JobLogChange {
  status?: JobStatus;
  attempts?: number;
  startedAt?: Date;
  progress?: number;
  step?: string;
  /** JSON text of the handler's result. */
  result?: string;
  errorMessage?: string;
  errorStack?: string;
  finishedAt?: Date;
  durationMs?: number;
  /** A laned attempt that just ended: how long it held its worker slot (charged when long). */
  heldMs?: number;
  /** Remove the graphile-worker job, over for good, in the same transaction (see record_job_outcomes). */
  release?: { jobId: string; workerId: string };
  /** A laned job goes back to waiting in its lane (a retry, or held back at start). */
  requeue?: { jobId: string; workerId: string; runAt: Date; attempts: number };
  /** A laned job ended: its slot in the lane is freed. */
  finishLane?: boolean;
}

/**
 * Writes one batch of changes with what they mean for the queue (see record_job_outcomes() in
 * migrations/0010): log rows, graphile-worker jobs released or taken back into their lanes,
 * lane slots freed and refilled, in one transaction. A named prepared statement on the pool,
 * not kysely: it runs for every batch of finished jobs. `minBudget` is this worker's admission
 * slots, so admission works before its first heartbeat is written.
 */
export async function writeJobLogBatch(
  pool: pg.Pool,
  changes: Array<[string, JobLogChange]>,
  minBudget = 0,
): Promise<void> {
  const col = <T>(pick: (c: JobLogChange) => T | undefined) => changes.map(([, c]) => pick(c) ?? null);
  const released = changes.flatMap(([, c]) => (c.release ? [c.release] : []));
  const requeued = changes.flatMap(([, c]) => (c.requeue ? [c.requeue] : []));
  await pool.query({
    name: 'tenantry_record_job_outcomes_held',
    text: `SELECT tenantry.record_job_outcomes(${Array.from({ length: 20 }, (_, i) => `$${i + 1}`).join(', ')})`,
    values: [
      released.map((r) => r.jobId),
      released.map((r) => r.workerId),
      requeued.map((r) => r.jobId),
      requeued.map((r) => r.workerId),
      requeued.map((r) => r.runAt),
      requeued.map((r) => r.attempts),
      changes.flatMap(([id, c]) => (c.finishLane ? [id] : [])),
      changes.map(([id]) => id),
      col((c) => c.status),
      col((c) => c.attempts),
      col((c) => c.startedAt),
      col((c) => c.progress),
      col((c) => c.step),
      col((c) => c.result),
      col((c) => c.errorMessage),
      col((c) => c.errorStack),
      col((c) => c.finishedAt),
      col((c) => c.durationMs),
      col((c) => c.heldMs),
      minBudget,
    ],
  });
}
