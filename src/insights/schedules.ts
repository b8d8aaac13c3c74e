import { existsSync } from 'node:fs';
import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import { knownCrontabs } from '../db/graphile-private.ts';
import { readSchedule, type ScheduleEntry } from '../lifecycle/schedule.ts';

/** How many past runs of each entry are reported, and how far back they are looked for. */
export const RECENT_RUNS = 5;
const LOOKBACK_DAYS = 40;

export interface ScheduleRun {
  job_log_id: string;
  status: string;
  created_at: string;
  finished_at: string | null;
  duration_ms: number | null;
  error_message: string | null;
}

export interface ScheduleRow {
  identifier: string;
  task: string;
  expression: string;
  description: string;
  payload: unknown;
  next_run_at: string;
  last_execution_at: string | null;
  recent_runs: ScheduleRun[];
}

/**
 * The crontab entries (CRONTAB_FILE, parsed by graphile-worker) with their next run, when
 * graphile-worker last fired each, and the outcome of their latest runs. A cron job's log is a
 * central row whose meta has `cron` and whose payload is the entry's; it is found over the
 * (tenant_id, created_at) index with tenant_id IS NULL, within the last 40 days.
 */
export async function scheduleRows(db: Db, crontabFile: string, now = new Date()): Promise<ScheduleRow[]> {
  const entries: ScheduleEntry[] = existsSync(crontabFile) ? await readSchedule(crontabFile, now) : [];
  if (entries.length === 0) return [];
  const wanted = entries.map((e, i) => ({ ord: i, task: e.task, payload: e.payload ?? {} }));
  const [runs, known] = await Promise.all([
    sql<{
      ord: number;
      id: string;
      status: string;
      created_at: Date;
      finished_at: Date | null;
      duration_ms: number | null;
      error_message: string | null;
    }>`
      SELECT e.ord, r.* FROM jsonb_to_recordset(${JSON.stringify(wanted)}::jsonb) AS e(ord int, task text, payload jsonb)
      CROSS JOIN LATERAL (
        SELECT l.id, l.status, l.created_at, l.finished_at, l.duration_ms, left(l.error_message, 500) AS error_message
        FROM tenantry.job_logs l
        WHERE l.tenant_id IS NULL AND l.task = e.task AND l.payload = e.payload AND l.meta ? 'cron'
          AND l.created_at > ${now}::timestamptz - make_interval(days => ${LOOKBACK_DAYS})
        ORDER BY l.created_at DESC, l.id DESC
        LIMIT ${RECENT_RUNS}
      ) r
      ORDER BY e.ord, r.created_at DESC, r.id DESC`.execute(db),
    knownCrontabs(db),
  ]);
  const lastExecution = known;
  return entries.map((entry, ord) => ({
    identifier: entry.identifier,
    task: entry.task,
    expression: entry.expression,
    description: entry.description,
    payload: entry.payload,
    next_run_at: entry.nextRun.toISOString(),
    last_execution_at: lastExecution.get(entry.identifier)?.toISOString() ?? null,
    recent_runs: runs.rows
      .filter((r) => r.ord === ord)
      .map((r) => ({
        job_log_id: r.id,
        status: r.status,
        created_at: r.created_at.toISOString(),
        finished_at: r.finished_at?.toISOString() ?? null,
        duration_ms: r.duration_ms,
        error_message: r.error_message,
      })),
  }));
}
