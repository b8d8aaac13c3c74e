import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import type { JobStatus } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import { cancelJob, retryJob, SUPERSEDED_SQL } from '../jobs/control.ts';
import { countByTenant, reservePendingJobs } from '../jobs/pending-quota.ts';
import { runJobNow } from '../jobs/run-now.ts';
import { failureIds, isFailureOutcome, type JobLogFilters } from './repository.ts';

export type BulkAction = 'retry' | 'cancel' | 'run-now';

/** The statuses each action applies to; other rows matching a filter are left alone. */
export const ACTIONABLE: Record<BulkAction, readonly JobStatus[]> = {
  retry: ['failed', 'cancelled'],
  cancel: ['pending', 'running'],
  'run-now': ['pending'],
};

/**
 * A pending job whose start is still ahead, where that start is kept: a tenant job waiting in
 * its lane (delayed, or backing off before a retry; not yet admitted), a central job in
 * graphile-worker that no worker holds. A job run now is neither, so a bulk run-now's
 * `remaining` reaches 0; a job whose time has come but whose tenant is paused is not taken.
 */
const LATER_SQL = sql<boolean>`(CASE WHEN l.tenant_id IS NULL
  THEN EXISTS (SELECT 1 FROM graphile_worker.jobs g
               WHERE g.id = l.job_id AND g.run_at > now() AND g.locked_at IS NULL)
  ELSE EXISTS (SELECT 1 FROM tenantry.lane_jobs j
               WHERE j.log_id = l.id AND j.job_id IS NULL AND j.run_at > now()) END)`;

/** Most rows one call acts on; a client repeats the call while `remaining` is above zero. */
export const BULK_MAX = 200;

export interface BulkRequest {
  action: BulkAction;
  filters: JobLogFilters;
  /** Only these job logs (still filtered): a selection. */
  ids?: readonly string[] | undefined;
  dryRun: boolean;
  limit: number;
  /** For a retry or a run-now: not jobs of these tasks (a tenant key: system and admin work). */
  notTasks?: readonly string[] | undefined;
  /**
   * Only rows that were in their actionable state by this instant (RFC 3339, microseconds kept):
   * for retry, finished (failed or cancelled) by then; for cancel, created by then; for run-now,
   * created and (if it ran since) last started by then. A dry run
   * returns the instant of its count, and a client passes it to every call after: a retried job
   * that fails again at once, or a job dispatched meanwhile, is then not acted on a second time
   * or unasked, and `remaining` reaches 0.
   */
  asOf?: string | undefined;
  /**
   * For a retry from outside: TENANT_MAX_PENDING_JOBS, reserved for the rows about to be retried
   * before any is (the whole call is 429 when a tenant has no room for them).
   */
  pendingMax?: number | undefined;
}

export interface BulkResult {
  action: BulkAction;
  dry_run: boolean;
  /** Rows the filter selects that the action applies to, before this call acted. */
  matched: number;
  /** Ids acted on by this call. */
  done: string[];
  /** Rows that changed under this call (finished, retried, cancelled elsewhere) and were left alone. */
  skipped: { id: string; detail: string }[];
  /** Rows still matching after this call. */
  remaining: number;
  /** The request's as_of, or the instant of this call's count: pass it to the calls that follow. */
  as_of: string;
}

function selection(db: Db, request: BulkRequest) {
  const f = request.filters;
  let query = db
    .selectFrom('tenantry.job_logs as l')
    .where('status', 'in', [...ACTIONABLE[request.action]])
    // A running job already asked to cancel stays `running` until its worker stops it.
    .$if(request.action === 'cancel', (q) => q.where('cancel_requested_at', 'is', null))
    // A job its job_key replaced is not retried (retryJob refuses it): the replacement runs.
    .$if(request.action === 'retry', (q) => q.where(sql<boolean>`NOT ${SUPERSEDED_SQL}`))
    .$if(request.action === 'run-now', (q) => q.where(LATER_SQL))
    .$if(request.action !== 'cancel' && (request.notTasks?.length ?? 0) > 0, (q) =>
      q.where('task', 'not in', [...(request.notTasks ?? [])]),
    );
  if (f.tenantId !== undefined) query = query.where('tenant_id', '=', f.tenantId);
  if (f.status !== undefined) query = query.where('status', '=', f.status);
  // Failed and cancelled logs are found through their own index (migrations/0045), not by
  // reading the whole history: job_logs has no index on status.
  const statuses = f.status === undefined ? ACTIONABLE[request.action] : [f.status];
  if (statuses.every(isFailureOutcome)) {
    query = query.where('id', 'in', failureIds(db, statuses, f.tenantId));
  }
  if (f.task !== undefined) query = query.where('task', '=', f.task);
  if (f.queue !== undefined) query = query.where('queue', '=', f.queue);
  if (f.sourceType !== undefined) query = query.where('source_type', '=', f.sourceType);
  if (f.sourceId !== undefined) query = query.where('source_id', '=', f.sourceId);
  if (f.createdAfter !== undefined) query = query.where('created_at', '>=', f.createdAfter);
  if (f.createdBefore !== undefined) query = query.where('created_at', '<', f.createdBefore);
  if (request.ids !== undefined)
    query = query.where('id', 'in', request.ids.length ? [...request.ids] : ['0']);
  if (request.asOf !== undefined) {
    // A finished row always has finished_at; coalesce keeps a row written without one in reach.
    // A run-now takes a job in the wait it was counted in: one that ran and went back to wait
    // for a retry since (started after as_of) is not forced to run again.
    const since =
      request.action === 'retry'
        ? sql`coalesce(finished_at, created_at)`
        : request.action === 'run-now'
          ? sql`coalesce(started_at, created_at)`
          : sql`created_at`;
    query = query.where(sql<boolean>`${since} <= ${request.asOf}::timestamptz`);
  }
  return query;
}

/** The count, and the database's clock when it was taken (what the rows' own times are on). */
async function countOf(db: Db, request: BulkRequest): Promise<{ n: number; at: string }> {
  const row = await selection(db, request)
    .select(sql<string>`count(*)`.as('n'))
    .select(sql<string>`to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as('at'))
    .executeTakeFirstOrThrow();
  return { n: Number(row.n), at: row.at };
}

/**
 * Retries, cancels or runs now every job log a filter selects (within the caller's tenant scope), at most
 * `limit` per call, oldest first, each through the same per-job operation as the single-job
 * routes, so the rules (and the notifications live clients follow) are the same. A dry run only
 * counts.
 */
export async function bulkAct(db: Db, request: BulkRequest): Promise<BulkResult> {
  const counted = await countOf(db, request);
  const matched = counted.n;
  const result: BulkResult = {
    action: request.action,
    dry_run: request.dryRun,
    matched,
    done: [],
    skipped: [],
    remaining: matched,
    as_of: request.asOf ?? counted.at,
  };
  if (request.dryRun || matched === 0) return result;
  const rows = await selection(db, request)
    .select(['id', 'tenant_id'])
    .orderBy('created_at')
    .orderBy('id')
    .limit(Math.min(request.limit, BULK_MAX))
    .execute();
  if (request.action === 'retry' && request.pendingMax !== undefined) {
    await reservePendingJobs(db, countByTenant(rows.map((r) => r.tenant_id)), request.pendingMax);
  }
  const scope = { tenantId: request.filters.tenantId, notTasks: request.notTasks };
  for (const { id } of rows) {
    try {
      if (request.action === 'retry') await retryJob(db, id, scope);
      else if (request.action === 'run-now') await runJobNow(db, id, scope);
      else await cancelJob(db, id, scope);
      result.done.push(id);
    } catch (err) {
      if (!(err instanceof AppError) || (err.code !== 'conflict' && err.code !== 'not_found')) throw err;
      result.skipped.push({ id, detail: err.message });
    }
  }
  result.remaining = (await countOf(db, request)).n;
  return result;
}
