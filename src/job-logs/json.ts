import type { JobStatus } from '../db/schema.ts';
import { redactPaths } from './redact-paths.ts';
import type { JobLogListRow, JobLogRow } from './repository.ts';
import { rowFromSnapshot, snapshotIn } from './snapshot.ts';

export const STATUS_LABELS: Record<JobStatus, string> = {
  pending: 'Pending',
  running: 'Running',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

export const TERMINAL_STATUSES: readonly JobStatus[] = ['completed', 'failed', 'cancelled'];

const iso = (d: Date | null) => (d === null ? null : d.toISOString());

/** A job-log row in a list: everything but the large fields (payload, meta, result, stack). */
export function jobLogSummaryJson(row: JobLogListRow) {
  return {
    id: row.id,
    tenant: row.tenant_id,
    job_id: row.job_id,
    task: row.task,
    queue: row.queue,
    lane: row.lane,
    status: row.status,
    status_label: STATUS_LABELS[row.status],
    progress: row.progress,
    step: row.step,
    source: row.source_type === null ? null : { type: row.source_type, id: row.source_id ?? '' },
    attempts: row.attempts,
    max_attempts: row.max_attempts,
    priority: row.priority,
    error_message: redactPaths(row.error_message),
    run_at: row.run_at.toISOString(),
    created_at: row.created_at.toISOString(),
    started_at: iso(row.started_at),
    finished_at: iso(row.finished_at),
    duration_ms: row.duration_ms,
    cancel_requested_at: iso(row.cancel_requested_at),
  };
}

/**
 * A delivery's payload holds the row it delivers as stored (migrations/0034); shown, it is the
 * body sent, paths redacted like every job log's, not the raw row.
 */
function shownPayload(row: JobLogRow): unknown {
  const snapshot = snapshotIn(row.task, row.payload);
  if (!snapshot) return row.payload;
  return { ...(row.payload as object), job_log: jobLogJson(rowFromSnapshot(snapshot)) };
}

/** The API's snake_case view of one whole job-log row. */
export function jobLogJson(row: JobLogRow): JobLogJson {
  return {
    ...jobLogSummaryJson(row),
    payload: shownPayload(row),
    meta: row.meta,
    result: row.result ?? null,
    error_stack: redactPaths(row.error_stack),
    attempt_errors: (row.attempt_errors ?? []).map((e) => ({
      attempt: e.attempt,
      at: new Date(e.at).toISOString(),
      status: e.status,
      message: redactPaths(e.message) ?? '',
    })),
  };
}

export type JobLogJson = ReturnType<typeof jobLogSummaryJson> & {
  payload: unknown;
  meta: unknown;
  result: unknown;
  error_stack: string | null;
  attempt_errors: { attempt: number; at: string; status: string; message: string }[];
};

/** What an SSE client sees on each change: the moving parts only. */
export function jobLogEvent(row: JobLogRow) {
  return {
    id: row.id,
    status: row.status,
    status_label: STATUS_LABELS[row.status],
    progress: row.progress,
    step: row.step,
    attempts: row.attempts,
    error_message: redactPaths(row.error_message),
    finished_at: iso(row.finished_at),
  };
}
