import { sql } from 'kysely';
import type { DbOrTrx } from '../db/database.ts';

export interface ThroughputBucket {
  /** Start of the bucket, ISO 8601. */
  start: string;
  completed: number;
  failed: number;
  cancelled: number;
}

export interface ThroughputSeries {
  bucket_seconds: number;
  buckets: ThroughputBucket[];
  totals: { completed: number; failed: number; cancelled: number };
}

export interface Throughput {
  generated_at: string;
  hour: ThroughputSeries;
  day: ThroughputSeries;
}

const MINUTE = 60_000;
const HOUR_BUCKET_MS = MINUTE;
const DAY_BUCKET_MS = 30 * MINUTE;

/**
 * Jobs that reached a terminal status, per minute over the last hour and per half hour over the
 * last day. Read over the created_at indexes (job_logs has no index on finished_at, so its updates
 * stay HOT): a job counts when it was created at most a day before the window began, which leaves
 * out only jobs delayed by more than a day.
 */
export async function throughput(db: DbOrTrx, tenantId?: string, now = new Date()): Promise<Throughput> {
  const dayStart = new Date(Math.floor((now.getTime() - 24 * 60 * MINUTE) / DAY_BUCKET_MS) * DAY_BUCKET_MS);
  const tenant = tenantId ?? null;
  const { rows } = await sql<{ minute: Date; completed: number; failed: number; cancelled: number }>`
    SELECT date_trunc('minute', finished_at) AS minute,
      count(*) FILTER (WHERE status = 'completed')::int AS completed,
      count(*) FILTER (WHERE status = 'failed')::int AS failed,
      count(*) FILTER (WHERE status = 'cancelled')::int AS cancelled
    FROM tenantry.job_logs
    WHERE created_at >= ${dayStart}::timestamptz - interval '1 day'
      AND finished_at >= ${dayStart}::timestamptz
      AND finished_at <= ${now}::timestamptz
      AND status IN ('completed', 'failed', 'cancelled')
      AND (${tenant}::text IS NULL OR tenant_id = ${tenant}::text)
    GROUP BY 1`.execute(db);
  const hourStart = new Date(Math.floor((now.getTime() - 59 * MINUTE) / HOUR_BUCKET_MS) * HOUR_BUCKET_MS);
  return {
    generated_at: now.toISOString(),
    hour: series(rows, hourStart, HOUR_BUCKET_MS, 60),
    day: series(rows, dayStart, DAY_BUCKET_MS, 49),
  };
}

function series(
  rows: { minute: Date; completed: number; failed: number; cancelled: number }[],
  start: Date,
  bucketMs: number,
  count: number,
): ThroughputSeries {
  const buckets: ThroughputBucket[] = Array.from({ length: count }, (_, i) => ({
    start: new Date(start.getTime() + i * bucketMs).toISOString(),
    completed: 0,
    failed: 0,
    cancelled: 0,
  }));
  const totals = { completed: 0, failed: 0, cancelled: 0 };
  for (const row of rows) {
    const index = Math.floor((new Date(row.minute).getTime() - start.getTime()) / bucketMs);
    const bucket = buckets[index];
    if (index < 0 || !bucket) continue;
    bucket.completed += row.completed;
    bucket.failed += row.failed;
    bucket.cancelled += row.cancelled;
    totals.completed += row.completed;
    totals.failed += row.failed;
    totals.cancelled += row.cancelled;
  }
  return { bucket_seconds: bucketMs / 1000, buckets, totals };
}
