import type { JobLogRow } from './repository.ts';

const TIMES = ['run_at', 'created_at', 'started_at', 'finished_at', 'cancel_requested_at'] as const;

/**
 * A job_logs row as to_jsonb() wrote it (the completion-callback trigger, migrations/0034), in
 * the shape the repository reads rows: times as Dates, bigint ids as strings (to_jsonb writes
 * them as numbers; ids stay below 2^53).
 */
export function rowFromSnapshot(snapshot: Record<string, unknown>): JobLogRow {
  const row = { ...snapshot };
  for (const key of TIMES) row[key] = row[key] == null ? null : new Date(row[key] as string);
  for (const key of ['id', 'job_id'] as const) row[key] = row[key] == null ? null : String(row[key]);
  return row as unknown as JobLogRow;
}

/** The snapshot a deliver-callback job carries, when it is one (deliveries queued before 0034 carry none). */
export function snapshotIn(task: string, payload: unknown): Record<string, unknown> | undefined {
  if (task !== 'deliver-callback' || typeof payload !== 'object' || payload === null) return undefined;
  const snapshot = (payload as { job_log?: unknown }).job_log;
  return typeof snapshot === 'object' && snapshot !== null && !Array.isArray(snapshot)
    ? (snapshot as Record<string, unknown>)
    : undefined;
}
