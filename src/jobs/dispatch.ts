import { sql } from 'kysely';
import type { DbOrTrx } from '../db/database.ts';
import { retryConflicts } from '../db/retry.ts';
import { AppError, invalid } from '../errors.ts';
import { callbackUrlProblem } from '../job-logs/callback-url.ts';
import { findJsonProblem, jsonBytes } from '../json-guard.ts';
import { isTenantId } from '../tenancy.ts';
import { authorizeDispatch, type Caller, SYSTEM } from './audience.ts';
import { payloadProblem } from './define.ts';
import { assertQueueName } from './lanes.ts';
import type { TaskRegistry } from './registry.ts';

/** Upper bounds on what one job may carry (JOB_PAYLOAD_MAX_BYTES, JOB_META_MAX_BYTES). */
export interface DispatchLimits {
  payloadBytes: number;
  metaBytes: number;
}

export const DEFAULT_DISPATCH_LIMITS: DispatchLimits = Object.freeze({
  payloadBytes: 65_536,
  metaBytes: 65_536,
});

/** Longest delay a job may be given: ten years. */
export const MAX_DELAY_MS = 10 * 365.25 * 86_400_000;

export interface DispatchContext {
  /** Who asks; the registry's audience rules apply (default: Tenantry itself). */
  caller?: Caller;
  limits?: DispatchLimits;
  /** CALLBACK_ALLOW_PRIVATE: callback URLs may name private hosts. */
  callbackAllowPrivate?: boolean;
}

/**
 * graphile-worker's job keys are global; ours are per tenant (and central jobs have their own
 * space), so two tenants using the same key never replace each other's jobs.
 */
export function scopedJobKey(tenantId: string | null, key: string): string {
  return tenantId === null ? `c:${key}` : `t:${tenantId}:${key}`;
}

export interface DispatchOptions {
  /** The tenant the job runs for; omitted or null: a central job. */
  tenant?: string | null;
  /** Logical queue; default is the task's queue. */
  queue?: string;
  runAt?: Date;
  delayMs?: number;
  /** Lower runs first (graphile-worker's order), -32768..32767, default 0. */
  priority?: number;
  /** A pending job with the same key is replaced (debounce); its log row is marked superseded. */
  jobKey?: string;
  maxAttempts?: number;
  source?: { type: string; id: string };
  meta?: Record<string, unknown>;
  /** POSTed the job log when the job ends (tenant jobs only); the caller vets the target. */
  callbackUrl?: string;
}

export interface DispatchSpec extends DispatchOptions {
  task: string;
  payload: unknown;
}

export interface DispatchedJob {
  /** The job-log id: how the API and CLI name the job. */
  id: string;
  jobId: string;
  task: string;
  tenantId: string | null;
  queue: string;
  lane: string | null;
  status: 'pending';
  runAt: Date;
}

interface Row {
  task: string;
  tenant_id: string | null;
  queue: string;
  payload: string;
  meta: string;
  source_type: string | null;
  source_id: string | null;
  run_at: Date;
  priority: number;
  max_attempts: number;
  job_key: string | null;
  callback_url: string | null;
}

function at(prefix: string, field: string): string {
  return prefix ? `${prefix}.${field}` : field;
}

function checkJson(field: string, value: unknown, maxBytes: number): void {
  const problem = findJsonProblem(value);
  if (problem) throw invalid(problem.path ? `${field}.${problem.path}` : field, problem.message);
  const bytes = jsonBytes(value);
  if (bytes > maxBytes) {
    throw new AppError('payload_too_large', `${field}: is ${bytes} bytes as JSON; the limit is ${maxBytes}`, {
      field,
    });
  }
}

/** Validates one spec against the registry; errors name the field as the HTTP body spells it. */
export function validateSpec(
  registry: TaskRegistry,
  spec: DispatchSpec,
  prefix = '',
  { caller = SYSTEM, limits = DEFAULT_DISPATCH_LIMITS, callbackAllowPrivate = false }: DispatchContext = {},
): Row {
  const requested = spec.tenant ?? null;
  if (requested !== null && (typeof requested !== 'string' || !isTenantId(requested))) {
    throw invalid(at(prefix, 'tenant'), 'is not a tenant id');
  }
  const { definition, tenant } = authorizeDispatch(registry, caller, spec.task, requested, prefix);
  checkJson(at(prefix, 'payload'), spec.payload ?? {}, limits.payloadBytes);
  const problem = payloadProblem(definition, spec.payload);
  if (problem)
    throw invalid(at(prefix, problem.path ? `payload.${problem.path}` : 'payload'), problem.message);
  if (spec.meta !== undefined) checkJson(at(prefix, 'meta'), spec.meta, limits.metaBytes);
  const queue = spec.queue ?? definition.queue;
  assertQueueName(queue, tenant ?? undefined, at(prefix, 'queue'));
  const priority = spec.priority ?? 0;
  if (!Number.isInteger(priority) || priority < -32768 || priority > 32767) {
    throw invalid(at(prefix, 'priority'), 'must be a whole number from -32768 to 32767');
  }
  const maxAttempts = spec.maxAttempts ?? definition.maxAttempts;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > 25) {
    throw invalid(at(prefix, 'max_attempts'), 'must be a whole number from 1 to 25');
  }
  if (spec.runAt !== undefined && spec.delayMs !== undefined) {
    throw invalid(at(prefix, 'run_at'), 'give either run_at or a delay, not both');
  }
  if (spec.runAt !== undefined) {
    const year = spec.runAt.getUTCFullYear();
    if (Number.isNaN(spec.runAt.getTime())) throw invalid(at(prefix, 'run_at'), 'is not a valid time');
    if (year < 1970 || year > 9999) throw invalid(at(prefix, 'run_at'), 'must be in the years 1970-9999');
  }
  if (
    spec.delayMs !== undefined &&
    (!Number.isFinite(spec.delayMs) || spec.delayMs < 0 || spec.delayMs > MAX_DELAY_MS)
  ) {
    throw invalid(at(prefix, 'delay_ms'), `must be 0 to ${MAX_DELAY_MS} milliseconds (ten years)`);
  }
  if (spec.jobKey !== undefined && (spec.jobKey.length < 1 || spec.jobKey.length > 255)) {
    throw invalid(at(prefix, 'job_key'), 'must be 1-255 characters');
  }
  if (spec.source && (!spec.source.type || !spec.source.id)) {
    throw invalid(at(prefix, 'source'), 'needs both type and id');
  }
  if (spec.callbackUrl !== undefined) {
    if (tenant === null) throw invalid(at(prefix, 'callback_url'), 'is only for tenant jobs');
    const problem = callbackUrlProblem(spec.callbackUrl, callbackAllowPrivate);
    if (problem) throw invalid(at(prefix, 'callback_url'), problem);
  }
  return {
    task: definition.name,
    tenant_id: tenant,
    queue,
    payload: JSON.stringify(spec.payload ?? {}),
    meta: JSON.stringify(spec.meta ?? {}),
    source_type: spec.source?.type ?? null,
    source_id: spec.source ? String(spec.source.id) : null,
    run_at: spec.runAt ?? new Date(Date.now() + (spec.delayMs ?? 0)),
    priority,
    max_attempts: maxAttempts,
    job_key: spec.jobKey === undefined ? null : scopedJobKey(tenant, spec.jobKey),
    callback_url: spec.callbackUrl ?? null,
  };
}

const column = <K extends keyof Row>(rows: Row[], key: K) => rows.map((r) => r[key]);

/**
 * Adds the graphile-worker jobs and their job_logs rows in one statement, so they exist
 * together or not at all, inside the caller's transaction when `db` is one. The log id is
 * drawn first and carried in the job payload; lanes spread a tenant's jobs over its
 * concurrency (lane_name() in SQL).
 */
export async function dispatchJobs(
  db: DbOrTrx,
  registry: TaskRegistry,
  specs: DispatchSpec[],
  context: DispatchContext = {},
): Promise<DispatchedJob[]> {
  if (specs.length === 0) return [];
  const rows = specs.map((spec, i) =>
    validateSpec(registry, spec, specs.length > 1 ? String(i) : '', context),
  );
  // On its own (not in the caller's transaction) the dispatch is one statement: safe to repeat
  // when it lost a deadlock; inside a transaction, the caller's retry repeats the whole of it.
  return db.isTransaction ? insertJobs(db, rows) : retryConflicts(() => insertJobs(db, rows));
}

async function insertJobs(db: DbOrTrx, rows: Row[]): Promise<DispatchedJob[]> {
  try {
    const { rows: inserted } = await sql<{
      id: string;
      job_id: string;
      task: string;
      tenant_id: string | null;
      queue: string;
      lane: string | null;
      run_at: Date;
    }>`
      WITH spec AS MATERIALIZED (
        SELECT s.*, nextval(pg_get_serial_sequence('tenantry.job_logs', 'id')) AS log_id, t.concurrency
        FROM unnest(
          ${column(rows, 'task')}::text[], ${column(rows, 'tenant_id')}::text[], ${column(rows, 'queue')}::text[],
          ${column(rows, 'payload')}::jsonb[], ${column(rows, 'meta')}::jsonb[],
          ${column(rows, 'source_type')}::text[], ${column(rows, 'source_id')}::text[],
          ${column(rows, 'run_at')}::timestamptz[], ${column(rows, 'priority')}::int[],
          ${column(rows, 'max_attempts')}::int[], ${column(rows, 'job_key')}::text[],
          ${column(rows, 'callback_url')}::text[]
        ) WITH ORDINALITY AS s(task, tenant_id, queue, payload, meta, source_type, source_id, run_at, priority,
                               max_attempts, job_key, callback_url, ord)
        LEFT JOIN tenantry.tenants t ON t.id = s.tenant_id
        ORDER BY s.ord
      ), laned AS MATERIALIZED (
        SELECT spec.*, tenantry.lane_name(tenant_id, queue, concurrency, log_id) AS lane FROM spec
      ), added AS (
        SELECT j.id AS job_id, (j.payload->>'log')::bigint AS log_id
        FROM graphile_worker.add_jobs(
          (SELECT array_agg(ROW(
             task,
             json_build_object('log', log_id, 'tenant', tenant_id, 'queue', queue, 'payload', payload),
             lane, run_at, max_attempts::smallint, job_key, priority::smallint,
             CASE WHEN tenant_id IS NULL THEN ARRAY['central', 'q:' || queue]
                  ELSE ARRAY['t:' || tenant_id, 'q:' || queue] END
           )::graphile_worker.job_spec ORDER BY ord) FROM laned),
          false) j
      )
      INSERT INTO tenantry.job_logs (id, tenant_id, job_id, task, queue, lane, payload, meta, source_type, source_id,
                                     max_attempts, priority, run_at, callback_url)
      SELECT l.log_id, l.tenant_id, a.job_id, l.task, l.queue, l.lane, l.payload, l.meta, l.source_type, l.source_id,
             l.max_attempts, l.priority, l.run_at, l.callback_url
      FROM laned l JOIN added a USING (log_id)
      ORDER BY l.ord
      RETURNING id, job_id, task, tenant_id, queue, lane, run_at`.execute(db);
    if (rows.some((r) => r.job_key !== null)) await supersedeReplaced(db, inserted);
    return inserted.map((r) => ({
      id: String(r.id),
      jobId: String(r.job_id),
      task: r.task,
      tenantId: r.tenant_id,
      queue: r.queue,
      lane: r.lane,
      status: 'pending' as const,
      runAt: r.run_at,
    }));
  } catch (err) {
    // The job_logs foreign key is the existence check: no extra round trip per dispatch.
    if ((err as { code?: string }).code === '23503') {
      const tenants = [...new Set(rows.map((r) => r.tenant_id).filter((t) => t !== null))];
      const which = tenants.length === 1 ? `tenant ${tenants[0]}` : `one of tenants ${tenants.join(', ')}`;
      throw new AppError('not_found', `${which} does not exist`, { field: 'tenant' });
    }
    throw err;
  }
}

/** A job key replaced a pending job in place: its earlier log row will never run as such. */
async function supersedeReplaced(db: DbOrTrx, inserted: { id: string; job_id: string }[]): Promise<void> {
  await sql`
    UPDATE tenantry.job_logs AS l
    SET status = 'cancelled', finished_at = now(), error_message = 'superseded by job log ' || n.id
    FROM unnest(${inserted.map((r) => r.id)}::bigint[], ${inserted.map((r) => r.job_id)}::bigint[]) AS n(id, job_id)
    WHERE l.job_id = n.job_id AND l.id < n.id AND l.status = 'pending'`.execute(db);
}
