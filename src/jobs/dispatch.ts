import { sql } from 'kysely';
import type { Db, DbOrTrx } from '../db/database.ts';
import { retryConflicts } from '../db/retry.ts';
import { AppError, invalid } from '../errors.ts';
import { callbackUrlProblem } from '../job-logs/callback-url.ts';
import { findJsonProblem, jsonBytes } from '../json-guard.ts';
import { isTenantId } from '../tenancy.ts';
import { authorizeDispatch, type Caller, SYSTEM } from './audience.ts';
import { payloadProblem } from './define.ts';
import { assertQueueName, tenantQueueName } from './lanes.ts';
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
  /**
   * TENANT_MAX_BUSY_QUEUES, for dispatches from outside (the API, the CLI): a tenant may have
   * work in at most this many queues (migrations/0040). Unset, as for Tenantry's own dispatches
   * (callbacks, crontab, welcome mail): not checked.
   */
  maxBusyQueues?: number;
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
  /** graphile-worker's job id; null while a tenant job waits in its lane. */
  jobId: string | null;
  task: string;
  tenantId: string | null;
  queue: string;
  lane: string | null;
  /** cancelled: a later item of the same request carried its job key and replaced it. */
  status: 'pending' | 'cancelled';
  /** The job log that replaced it, when cancelled so. */
  supersededBy?: string;
  runAt: Date;
}

interface Row {
  task: string;
  tenant_id: string | null;
  queue: string;
  payload: string;
  /** NULL: {} (most jobs carry none; nothing to send or parse). */
  meta: string | null;
  source_type: string | null;
  source_id: string | null;
  /** NULL: now, by the database's clock. */
  run_at: Date | null;
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
    meta: spec.meta == null ? null : JSON.stringify(spec.meta),
    source_type: spec.source?.type ?? null,
    source_id: spec.source ? String(spec.source.id) : null,
    run_at: spec.runAt ?? (spec.delayMs ? new Date(Date.now() + spec.delayMs) : null),
    priority,
    max_attempts: maxAttempts,
    job_key: spec.jobKey === undefined ? null : scopedJobKey(tenant, spec.jobKey),
    callback_url: spec.callbackUrl ?? null,
  };
}

const column = <K extends keyof Row>(rows: Row[], key: K) => rows.map((r) => r[key]);

/**
 * Adds the jobs and their job_logs rows, all or none, inside the caller's transaction when `db`
 * is one. A tenant job waits in its lane (`tenant_<id>_<queue>`) until the fair scheduler admits
 * it (enqueue_job_batch() in migrations/0018, which runs an admission pass at once); a central job
 * goes straight to graphile-worker, a named central queue running one job at a time.
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
  refuseRepeatedCentralKeys(rows);
  await checkPayloads(db, registry, specs);
  // On its own (not in the caller's transaction) the dispatch is one transaction: safe to
  // repeat when it lost a deadlock; inside one, the caller's retry repeats the whole of it.
  const insert = (trx: DbOrTrx) => insertAll(trx, rows, context.maxBusyQueues);
  if (db.isTransaction) return insert(db);
  return retryConflicts(() =>
    rows.every((r) => r.tenant_id !== null) || rows.every((r) => r.tenant_id === null)
      ? insert(db)
      : (db as Db).transaction().execute(insert),
  );
}

/**
 * The tasks' own checks of what their schema cannot judge (TaskOptions.checkPayload); few tasks
 * have one (the lifecycle's), so a dispatch of others awaits nothing here. A field the check
 * names is reported under the spec's payload, as validateSpec names schema problems.
 */
async function checkPayloads(db: DbOrTrx, registry: TaskRegistry, specs: DispatchSpec[]): Promise<void> {
  for (const [i, spec] of specs.entries()) {
    const check = registry.get(spec.task)?.checkPayload;
    if (!check) continue;
    try {
      await check(spec.payload as never, db);
    } catch (err) {
      const field = err instanceof AppError ? err.extensions.field : undefined;
      if (!(err instanceof AppError) || typeof field !== 'string') throw err;
      const named = at(specs.length > 1 ? String(i) : '', `payload.${field}`);
      const message = err.message.startsWith(`${field}: `)
        ? err.message.slice(field.length + 2)
        : err.message;
      throw new AppError(err.code, `${named}: ${message}`, { ...err.extensions, field: named });
    }
  }
}

/**
 * graphile-worker's add_jobs upserts on job_key and cannot take one key twice in a call (the
 * statement failed: a 500). Tenant jobs' keys are replaced within a request like across
 * requests (enqueue_job_batch, replacedWithinRequest); a central key repeated is refused.
 */
function refuseRepeatedCentralKeys(rows: Row[]): void {
  const first = new Map<string, number>();
  for (const [i, r] of rows.entries()) {
    if (r.tenant_id !== null || r.job_key === null) continue;
    const earlier = first.get(r.job_key);
    if (earlier !== undefined) {
      throw invalid(
        `${i}.job_key`,
        `repeats the job_key of item ${earlier}; a central job's key can appear once per request`,
      );
    }
    first.set(r.job_key, i);
  }
}

/**
 * Items of one request sharing a tenant job key replace each other as
 * they would across requests: the last stays pending, the earlier ones' logs are already
 * cancelled as superseded, and the answer says so instead of calling them pending.
 */
function replacedWithinRequest(rows: Row[], jobs: DispatchedJob[]): DispatchedJob[] {
  const keyOf = (r: Row) => (r.job_key === null ? undefined : `${r.tenant_id ?? ''}\u0000${r.job_key}`);
  const last = new Map<string, number>();
  for (const [i, r] of rows.entries()) {
    const key = keyOf(r);
    if (key !== undefined) last.set(key, i);
  }
  return jobs.map((job, i) => {
    const key = keyOf(rows[i]!);
    const winner = key === undefined ? i : last.get(key)!;
    return winner === i ? job : { ...job, status: 'cancelled', supersededBy: jobs[winner]!.id };
  });
}

async function insertAll(db: DbOrTrx, rows: Row[], maxBusyQueues?: number): Promise<DispatchedJob[]> {
  const tenantRows = rows.filter((r) => r.tenant_id !== null);
  const centralRows = rows.filter((r) => r.tenant_id === null);
  try {
    const tenantJobs = tenantRows.length > 0 ? await insertTenantJobs(db, tenantRows, maxBusyQueues) : [];
    const centralJobs = centralRows.length > 0 ? await insertCentralJobs(db, centralRows) : [];
    const byRow = new Map<Row, DispatchedJob>();
    for (const [i, r] of tenantRows.entries()) byRow.set(r, tenantJobs[i]!);
    for (const [i, r] of centralRows.entries()) byRow.set(r, centralJobs[i]!);
    return replacedWithinRequest(
      rows,
      rows.map((r) => byRow.get(r)!),
    );
  } catch (err) {
    const { code, constraint, message } = err as { code?: string; constraint?: string; message: string };
    // A tenant at TENANT_MAX_BUSY_QUEUES asked to open one more (migrations/0040).
    if (code === 'TQ001')
      throw new AppError('conflict', message, { field: 'queue', reason: 'queue_limit_reached' });
    // An idle lane removed (queue-gc) between this dispatch's look at it and its insert.
    if (code === '23503' && constraint === 'lane_jobs_lane_fkey') {
      throw new AppError(
        'conflict',
        'a queue of this dispatch was being removed as idle at that moment; dispatch again',
        {
          field: 'queue',
          reason: 'lane_removed',
        },
      );
    }
    // The job_logs foreign key is the existence check: no extra round trip per dispatch.
    if (code === '23503') {
      const tenants = [...new Set(rows.map((r) => r.tenant_id).filter((t) => t !== null))];
      const which = tenants.length === 1 ? `tenant ${tenants[0]}` : `one of tenants ${tenants.join(', ')}`;
      throw new AppError('not_found', `${which} does not exist`, { field: 'tenant' });
    }
    throw err;
  }
}

interface InsertedRow {
  id: string;
  job_id: string | null;
  task: string;
  tenant_id: string | null;
  queue: string;
  lane: string | null;
  run_at: Date;
}

function toDispatched(r: InsertedRow): DispatchedJob {
  return {
    id: String(r.id),
    jobId: r.job_id === null ? null : String(r.job_id),
    task: r.task,
    tenantId: r.tenant_id,
    queue: r.queue,
    lane: r.lane,
    status: 'pending',
    runAt: r.run_at,
  };
}

/**
 * The column as an array, or NULL when every row has `absent` there (the function then takes
 * its default: NULL, or 0 for priority).
 */
function optional<K extends keyof Row>(rows: Row[], key: K, absent: Row[K] | null = null): Row[K][] | null {
  return rows.some((r) => r[key] !== absent) ? column(rows, key) : null;
}

async function insertTenantJobs(db: DbOrTrx, rows: Row[], maxBusyQueues?: number): Promise<DispatchedJob[]> {
  // Payloads go as one JSON array: parsed once, not element by element (enqueue_job_batch()
  // in migrations/0018 says what that saves).
  const payloads = `[${column(rows, 'payload').join(',')}]`;
  const metas = rows.some((r) => r.meta !== null) ? `[${rows.map((r) => r.meta ?? '{}').join(',')}]` : null;
  // The busy-queue limit travels as a setting that the batch's first ensure_lanes() reads and
  // clears (migrations/0040), set in an argument so that it is set before the call: the
  // callbacks, requeues and supersede cancels a dispatch sets off are Tenantry's, not limited.
  const tasks =
    maxBusyQueues === undefined
      ? sql`${column(rows, 'task')}::text[]`
      : sql`array_cat(${column(rows, 'task')}::text[],
          CASE WHEN set_config('tenantry.max_busy_queues', ${String(maxBusyQueues)}, true) IS NULL THEN NULL ELSE '{}'::text[] END)`;
  const { rows: result } = await sql<{ ids: string[]; dispatched_at: Date }>`
    SELECT * FROM tenantry.enqueue_job_batch(
      ${tasks}, ${column(rows, 'tenant_id')}::text[], ${column(rows, 'queue')}::text[],
      ${payloads}::jsonb, ${metas}::jsonb,
      ${optional(rows, 'source_type')}::text[], ${optional(rows, 'source_id')}::text[],
      ${optional(rows, 'run_at')}::timestamptz[], ${optional(rows, 'priority', 0)}::int[],
      ${column(rows, 'max_attempts')}::int[], ${optional(rows, 'job_key')}::text[],
      ${optional(rows, 'callback_url')}::text[])`.execute(db);
  const { ids, dispatched_at: now } = result[0]!;
  return rows.map((r, i) => {
    const tenantId = r.tenant_id!;
    return toDispatched({
      id: ids[i]!,
      job_id: null,
      task: r.task,
      tenant_id: tenantId,
      queue: r.queue,
      lane: tenantQueueName(tenantId, r.queue),
      run_at: r.run_at ?? now,
    });
  });
}

async function insertCentralJobs(db: DbOrTrx, rows: Row[]): Promise<DispatchedJob[]> {
  const { rows: inserted } = await sql<InsertedRow>`
    WITH spec AS MATERIALIZED (
      SELECT s.task, s.queue, s.payload, coalesce(s.meta, '{}') AS meta, s.source_type, s.source_id,
             coalesce(s.run_at, now()) AS run_at, s.priority, s.max_attempts, s.job_key, s.ord,
             nextval('tenantry.job_logs_id_seq') AS log_id, nullif(s.queue, 'default') AS lane
      FROM unnest(
        ${column(rows, 'task')}::text[], ${column(rows, 'queue')}::text[],
        ${column(rows, 'payload')}::jsonb[], ${column(rows, 'meta')}::jsonb[],
        ${column(rows, 'source_type')}::text[], ${column(rows, 'source_id')}::text[],
        ${column(rows, 'run_at')}::timestamptz[], ${column(rows, 'priority')}::int[],
        ${column(rows, 'max_attempts')}::int[], ${column(rows, 'job_key')}::text[]
      ) WITH ORDINALITY AS s(task, queue, payload, meta, source_type, source_id, run_at, priority,
                             max_attempts, job_key, ord)
      ORDER BY s.ord
    ), added AS (
      SELECT j.id AS job_id, (j.payload->>'log')::bigint AS log_id
      FROM graphile_worker.add_jobs(
        (SELECT array_agg(ROW(
           task, json_build_object('log', log_id, 'tenant', NULL, 'queue', queue, 'payload', payload),
           lane, run_at, max_attempts::smallint, job_key, priority::smallint, ARRAY['central', 'q:' || queue]
         )::graphile_worker.job_spec ORDER BY ord) FROM spec),
        false) j
    )
    INSERT INTO tenantry.job_logs (id, job_id, task, queue, lane, payload, meta, source_type, source_id,
                                   max_attempts, priority, run_at)
    SELECT l.log_id, a.job_id, l.task, l.queue, l.lane, l.payload, l.meta, l.source_type, l.source_id,
           l.max_attempts, l.priority, l.run_at
    FROM spec l JOIN added a USING (log_id)
    ORDER BY l.ord
    RETURNING id, job_id, task, tenant_id, queue, lane, run_at`.execute(db);
  if (rows.some((r) => r.job_key !== null)) await supersedeReplaced(db, inserted);
  return inserted.map(toDispatched);
}

/** A job key replaced a pending job in place: its earlier log row will never run as such. */
async function supersedeReplaced(
  db: DbOrTrx,
  inserted: { id: string; job_id: string | null }[],
): Promise<void> {
  await sql`
    UPDATE tenantry.job_logs AS l
    SET status = 'cancelled', finished_at = now(), error_message = 'superseded by job log ' || n.id
    FROM unnest(${inserted.map((r) => r.id)}::bigint[], ${inserted.map((r) => r.job_id)}::bigint[]) AS n(id, job_id)
    WHERE l.job_id = n.job_id AND l.id < n.id AND l.status = 'pending'`.execute(db);
}
