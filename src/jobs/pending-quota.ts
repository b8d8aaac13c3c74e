import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import { AppError } from '../errors.ts';
import { findJobLog, isFailureOutcome } from '../job-logs/repository.ts';
import { type DispatchContext, type DispatchSpec, validateSpec } from './dispatch.ts';
import type { TaskRegistry } from './registry.ts';

/** Seconds a refused client is told to wait: long enough for a busy tenant's jobs to start. */
export const PENDING_RETRY_AFTER_S = 5;

/** Jobs per tenant, for `reservePendingJobs`; central jobs (null) wait in no tenant's lanes. */
export function countByTenant(tenants: Iterable<string | null>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const tenant of tenants) if (tenant !== null) counts.set(tenant, (counts.get(tenant) ?? 0) + 1);
  return counts;
}

/**
 * The tenant jobs a request would add, per tenant, after the checks every dispatch makes (a
 * request those refuse is answered 4xx here, before anything is counted or written).
 */
export function pendingByTenant(
  registry: TaskRegistry,
  specs: DispatchSpec[],
  context: DispatchContext,
): Map<string, number> {
  return countByTenant(
    specs.map(
      (spec, i) => validateSpec(registry, spec, specs.length > 1 ? String(i) : '', context).tenant_id,
    ),
  );
}

/**
 * Reserves room for `counts` waiting jobs per tenant under TENANT_MAX_PENDING_JOBS, or refuses
 * the whole request (429 with Retry-After) when one tenant would go past it. For dispatches from
 * outside (the API, the CLI); Tenantry's own (callbacks, crontab, requeues) are never refused.
 * `max` 0: no bound. Takes the pool, not a transaction: its row locks last one statement (migrations/0043), so
 * call it before the dispatch's transaction, never inside one holding a connection.
 */
export async function reservePendingJobs(db: Db, counts: Map<string, number>, max: number): Promise<void> {
  if (counts.size === 0 || max === 0) return;
  const { rows } = await sql<{ over_tenant: string; over_pending: string }>`
    SELECT over_tenant, over_pending FROM tenantry.reserve_pending_jobs(
      ${[...counts.keys()]}::text[], ${[...counts.values()]}::int[], ${max}::bigint)`.execute(db);
  const over = rows[0];
  if (!over) return;
  const adding = counts.get(over.over_tenant) ?? 0;
  throw new AppError(
    'rate_limited',
    `tenant ${over.over_tenant} has ${over.over_pending} jobs waiting; ${adding} more would pass ` +
      `the most it may have waiting (TENANT_MAX_PENDING_JOBS is ${max}); dispatch them once some have started`,
    { field: 'tenant', reason: 'pending_limit_reached', retry_after: PENDING_RETRY_AFTER_S },
  );
}

/**
 * Reserves one place for retrying job log `id` (within `tenantId`'s when given), as a single
 * retry from outside does before it retries. A log that is not there or cannot be retried
 * (not failed or cancelled) reserves none: the retry then answers 404 or 409, and a place
 * taken for it would refuse the tenant's dispatches until the next count.
 */
export async function reserveForRetry(db: Db, id: string, max: number, tenantId?: string): Promise<void> {
  const row = await findJobLog(db, id, tenantId);
  if (row && isFailureOutcome(row.status)) await reservePendingJobs(db, countByTenant([row.tenant_id]), max);
}
