import { sql } from 'kysely';
import type { DbOrTrx } from '../db/database.ts';
import type { JobStatus } from '../db/schema.ts';

export interface JobLogFilters {
  tenantId?: string;
  status?: JobStatus;
  task?: string;
  queue?: string;
  sourceType?: string;
  sourceId?: string;
  createdAfter?: Date;
  createdBefore?: Date;
}

/** Keyset position: created_at as Postgres prints it (microseconds survive), then id. */
export type JobLogCursor = [createdAt: string, id: string];

const COLUMNS = [
  'id',
  'tenant_id',
  'job_id',
  'task',
  'queue',
  'lane',
  'status',
  'progress',
  'step',
  'payload',
  'meta',
  'source_type',
  'source_id',
  'attempts',
  'max_attempts',
  'priority',
  'run_at',
  'result',
  'error_message',
  'error_stack',
  'attempt_errors',
  'created_at',
  'started_at',
  'finished_at',
  'duration_ms',
  'cancel_requested_at',
] as const;

/** What a list row carries: everything but the large fields, which only the single-row read returns. */
const LIST_COLUMNS = COLUMNS.filter(
  (
    c,
  ): c is Exclude<
    (typeof COLUMNS)[number],
    'payload' | 'meta' | 'result' | 'error_stack' | 'attempt_errors'
  > => !['payload', 'meta', 'result', 'error_stack', 'attempt_errors'].includes(c),
);

/**
 * When a waiting job will next be tried. The log's own run_at is when it was dispatched to run; a
 * retry backing off waits in its lane (tenant jobs) or in graphile-worker (central ones) with a
 * later time, which only those rows hold: the outcome batch that records the failure does not
 * write the log's run_at again (one more column in the hot statement for a read-time join here).
 */
const NEXT_RUN_AT = sql<Date>`CASE WHEN job_logs.status = 'pending' THEN coalesce(
    (SELECT w.run_at FROM tenantry.lane_jobs w WHERE w.log_id = job_logs.id),
    (SELECT g.run_at FROM graphile_worker.jobs g WHERE g.id = job_logs.job_id),
    job_logs.run_at) ELSE job_logs.run_at END`.as('run_at');

function baseQuery(db: DbOrTrx) {
  return db
    .selectFrom('tenantry.job_logs')
    .select(COLUMNS.filter((c) => c !== 'run_at'))
    .select(NEXT_RUN_AT)
    .select(sql<string>`created_at::text`.as('cursor_at'));
}

export type JobLogRow = Awaited<ReturnType<ReturnType<typeof baseQuery>['executeTakeFirstOrThrow']>>;

function listQuery(db: DbOrTrx) {
  return db
    .selectFrom('tenantry.job_logs')
    .select(LIST_COLUMNS.filter((c) => c !== 'run_at' && c !== 'error_message'))
    .select(NEXT_RUN_AT)
    .select(sql<string | null>`left(error_message, 500)`.as('error_message'))
    .select(sql<string>`created_at::text`.as('cursor_at'));
}

export type JobLogListRow = Awaited<ReturnType<ReturnType<typeof listQuery>['executeTakeFirstOrThrow']>>;

/** The statuses job_log_failures indexes (migrations/0045); job_logs itself has no status index. */
export const FAILURE_OUTCOMES = ['failed', 'cancelled'] as const;
export type FailureOutcome = (typeof FAILURE_OUTCOMES)[number];
export const isFailureOutcome = (status: string | undefined): status is FailureOutcome =>
  (FAILURE_OUTCOMES as readonly string[]).includes(status ?? '');

/** Ids of failed or cancelled logs (of one tenant), from their index: a subquery for `id IN`. */
export function failureIds(db: DbOrTrx, outcomes: readonly FailureOutcome[], tenantId?: string) {
  let query = db.selectFrom('tenantry.job_log_failures').select('log_id').where('outcome', 'in', outcomes);
  if (tenantId !== undefined) query = query.where('log_tenant', '=', tenantId);
  return query;
}

/** Filters on columns of the log that never change and that no list is ordered by. */
function logConditions(filters: JobLogFilters) {
  const conditions = [];
  if (filters.task !== undefined) conditions.push(sql<boolean>`job_logs.task = ${filters.task}`);
  if (filters.queue !== undefined) conditions.push(sql<boolean>`job_logs.queue = ${filters.queue}`);
  if (filters.sourceType !== undefined) {
    conditions.push(sql<boolean>`job_logs.source_type = ${filters.sourceType}`);
  }
  if (filters.sourceId !== undefined) conditions.push(sql<boolean>`job_logs.source_id = ${filters.sourceId}`);
  return conditions;
}

/**
 * Newest first, keyset-paged on (created_at, id): rows inserted while a client pages through
 * land before its cursor and never shift or repeat what it has already seen.
 */
export async function listJobLogs(
  db: DbOrTrx,
  filters: JobLogFilters,
  limit: number,
  after?: JobLogCursor,
): Promise<JobLogListRow[]> {
  if (isFailureOutcome(filters.status)) return listFailedJobLogs(db, filters, filters.status, limit, after);
  let query = listQuery(db);
  if (filters.tenantId !== undefined) query = query.where('tenant_id', '=', filters.tenantId);
  if (filters.status !== undefined) query = query.where('status', '=', filters.status);
  for (const condition of logConditions(filters)) query = query.where(condition);
  if (filters.createdAfter !== undefined) query = query.where('created_at', '>=', filters.createdAfter);
  if (filters.createdBefore !== undefined) query = query.where('created_at', '<', filters.createdBefore);
  if (after !== undefined) {
    query = query.where(sql<boolean>`(created_at, id) < (${after[0]}::timestamptz, ${after[1]}::bigint)`);
  }
  return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
}

/**
 * The same page of failed or cancelled logs, read in the order of job_log_failures' index (its
 * copies of created_at and id) and joined to the logs: it stops at the page's length however
 * long the history and however rare the failures in it.
 */
function listFailedJobLogs(
  db: DbOrTrx,
  filters: JobLogFilters,
  outcome: FailureOutcome,
  limit: number,
  after?: JobLogCursor,
): Promise<JobLogListRow[]> {
  let query = listQuery(db)
    .innerJoin('tenantry.job_log_failures as f', 'f.log_id', 'tenantry.job_logs.id')
    .where('f.outcome', '=', outcome)
    .where('status', '=', outcome);
  if (filters.tenantId !== undefined) query = query.where('f.log_tenant', '=', filters.tenantId);
  for (const condition of logConditions(filters)) query = query.where(condition);
  if (filters.createdAfter !== undefined) query = query.where('f.log_created_at', '>=', filters.createdAfter);
  if (filters.createdBefore !== undefined)
    query = query.where('f.log_created_at', '<', filters.createdBefore);
  if (after !== undefined) {
    query = query.where(
      sql<boolean>`(f.log_created_at, f.log_id) < (${after[0]}::timestamptz, ${after[1]}::bigint)`,
    );
  }
  return query.orderBy('f.log_created_at', 'desc').orderBy('f.log_id', 'desc').limit(limit).execute();
}

/** List rows of some job logs, by id (the dashboard's live page refreshes what changed). */
export async function findJobLogSummaries(db: DbOrTrx, ids: readonly string[]): Promise<JobLogListRow[]> {
  if (ids.length === 0) return [];
  return listQuery(db).where('id', 'in', ids).orderBy('id').execute();
}

/** Whose job logs these are (null: central work), by id; ids not found are left out. */
export async function findJobLogOwners(
  db: DbOrTrx,
  ids: readonly string[],
): Promise<{ id: string; tenant_id: string | null }[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('tenantry.job_logs').select(['id', 'tenant_id']).where('id', 'in', ids).execute();
}

export async function findJobLog(db: DbOrTrx, id: string, tenantId?: string): Promise<JobLogRow | undefined> {
  if (!/^\d{1,18}$/.test(id)) return undefined;
  let query = baseQuery(db).where('id', '=', id);
  if (tenantId !== undefined) query = query.where('tenant_id', '=', tenantId);
  return query.executeTakeFirst();
}

export async function findJobLogs(db: DbOrTrx, ids: readonly string[]): Promise<JobLogRow[]> {
  if (ids.length === 0) return [];
  return baseQuery(db).where('id', 'in', ids).execute();
}

/** Rows one statement of a cleanup deletes: a long history goes in short statements. */
export const CLEANUP_BATCH = 10_000;

/**
 * Deletes finished rows older than `days`; pending and running rows are never touched. In
 * statements of at most `batch` rows: one DELETE over a long history held its locks, and the
 * shared table's WAL and vacuum, for as long as it ran. The outer statement checks the status
 * again, so a row retried (back to pending) after the batch was chosen is kept.
 */
export async function cleanupJobLogs(
  db: DbOrTrx,
  days: number,
  tenantId?: string,
  batch = CLEANUP_BATCH,
): Promise<number> {
  const finished = ['completed', 'failed', 'cancelled'] as const;
  const cutoff = sql<Date>`now() - make_interval(days => ${days}::int)`;
  let deleted = 0;
  for (;;) {
    let doomed = db
      .selectFrom('tenantry.job_logs')
      .select('id')
      .where('status', 'in', finished)
      .where('created_at', '<', cutoff)
      .limit(batch);
    if (tenantId !== undefined) doomed = doomed.where('tenant_id', '=', tenantId);
    const result = await db
      .deleteFrom('tenantry.job_logs')
      .where('id', 'in', doomed)
      .where('status', 'in', finished)
      .executeTakeFirst();
    const n = Number(result.numDeletedRows);
    deleted += n;
    if (n < batch) return deleted;
  }
}
