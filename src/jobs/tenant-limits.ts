import { sql } from 'kysely';
import type { Db, DbOrTrx } from '../db/database.ts';
import type { TenantStatus } from '../db/schema.ts';
import { notFound } from '../errors.ts';
import { assertQueueName } from './lanes.ts';
import { type RateUse, rateUse } from './rate-use.ts';
import {
  type LimitsPatch,
  patchColumns,
  type QueueRateChanges,
  queueRateChanges,
} from './tenant-limits-patch.ts';

/** Starts allowed per period: a tenant's (all its queues together), or one queue's. */
export interface Rate {
  limit: number;
  periodMs: number;
}

export interface SchedulingSettings {
  concurrency: number;
  weight: number;
  rate: Rate | null;
}

/** A tenant's scheduler settings: its overrides, what it follows without them, and what applies. */
export interface TenantLimits {
  tenantId: string;
  plan: string;
  status: TenantStatus;
  /** Per-tenant overrides; null follows the plan. */
  override: { concurrency: number | null; weight: number | null; rate: Rate | null };
  /** What applies without an override: the plan's PLAN_SCHEDULING entry, else the tenant's concurrency, weight 1, no rate limit. */
  planDefaults: SchedulingSettings;
  /** What the scheduler uses now (tenantry.tenant_scheduling). */
  effective: SchedulingSettings;
  paused: boolean;
  pausedQueues: string[];
  /** Queues with a rate limit of their own, on top of the tenant's (tenantry.queue_limits). */
  queueRates: Record<string, Rate>;
  /** What the tenant's rate windows hold now (rate-use.ts). */
  rateUse: RateUse;
  updatedAt: Date | null;
}

const rate = (limit: number | null, periodMs: number | null): Rate | null =>
  limit === null || periodMs === null ? null : { limit, periodMs };

/** The tenant's limits; 404 when it does not exist. */
export async function getTenantLimits(db: DbOrTrx, tenantId: string): Promise<TenantLimits> {
  // plan_defaults repeats tenant_scheduling's fallbacks (migrations/0008) for the case without an override.
  const { rows } = await sql<{
    plan: string;
    status: TenantStatus;
    cap: number;
    weight: number;
    rate_limit: number | null;
    rate_period_ms: number | null;
    paused: boolean;
    paused_queues: string[];
    o_concurrency: number | null;
    o_weight: number | null;
    o_rate_limit: number | null;
    o_rate_period_ms: number | null;
    updated_at: Date | null;
    p_concurrency: number;
    p_weight: number;
    p_rate_limit: number | null;
    p_rate_period_ms: number | null;
  }>`
    SELECT t.plan, s.status, s.cap, s.weight, s.rate_limit, s.rate_period_ms, s.paused, s.paused_queues,
           tl.concurrency AS o_concurrency, tl.weight AS o_weight, tl.rate_limit AS o_rate_limit,
           tl.rate_period_ms AS o_rate_period_ms, tl.updated_at,
           coalesce(pl.concurrency, t.concurrency) AS p_concurrency, coalesce(pl.weight, 1)::real AS p_weight,
           pl.rate_limit AS p_rate_limit, pl.rate_period_ms AS p_rate_period_ms
    FROM tenantry.tenants t
    JOIN tenantry.tenant_scheduling s ON s.tenant_id = t.id
    LEFT JOIN tenantry.tenant_limits tl ON tl.tenant_id = t.id
    LEFT JOIN tenantry.plan_limits pl ON pl.plan = t.plan
    WHERE t.id = ${tenantId}`.execute(db);
  const r = rows[0];
  if (!r) throw notFound(`tenant ${tenantId}`);
  const queues = await db
    .selectFrom('tenantry.queue_limits')
    .select(['queue', 'rate_limit', 'rate_period_ms'])
    .where('tenant_id', '=', tenantId)
    .orderBy('queue')
    .execute();
  const use = await rateUse(db, tenantId);
  return {
    tenantId,
    plan: r.plan,
    status: r.status,
    override: {
      concurrency: r.o_concurrency,
      weight: r.o_weight,
      rate: rate(r.o_rate_limit, r.o_rate_period_ms),
    },
    planDefaults: {
      concurrency: r.p_concurrency,
      weight: r.p_weight,
      rate: rate(r.p_rate_limit, r.p_rate_period_ms),
    },
    effective: { concurrency: r.cap, weight: r.weight, rate: rate(r.rate_limit, r.rate_period_ms) },
    paused: r.paused,
    pausedQueues: r.paused_queues,
    queueRates: Object.fromEntries(
      queues.map((q) => [q.queue, { limit: q.rate_limit, periodMs: q.rate_period_ms }]),
    ),
    rateUse: use,
    updatedAt: r.updated_at,
  };
}

/** Writes per-queue rate changes; the queue_limits trigger brings the lanes in line. */
async function applyQueueRates(trx: DbOrTrx, tenantId: string, changes: QueueRateChanges): Promise<void> {
  if (changes.clear || changes.remove.length > 0) {
    let query = trx.deleteFrom('tenantry.queue_limits').where('tenant_id', '=', tenantId);
    if (!changes.clear) query = query.where('queue', 'in', changes.remove);
    await query.execute();
  }
  if (changes.set.length > 0) {
    await trx
      .insertInto('tenantry.queue_limits')
      .values(
        changes.set.map(({ queue, rate }) => ({
          tenant_id: tenantId,
          queue,
          rate_limit: rate.limit,
          rate_period_ms: rate.periodMs,
        })),
      )
      .onConflict((oc) =>
        oc.columns(['tenant_id', 'queue']).doUpdateSet((eb) => ({
          rate_limit: eb.ref('excluded.rate_limit'),
          rate_period_ms: eb.ref('excluded.rate_period_ms'),
          updated_at: sql`now()`,
        })),
      )
      .execute();
  }
}

async function requireTenant(db: DbOrTrx, tenantId: string): Promise<void> {
  const tenant = await db
    .selectFrom('tenantry.tenants')
    .select('id')
    .where('id', '=', tenantId)
    .executeTakeFirst();
  if (!tenant) throw notFound(`tenant ${tenantId}`);
}

/** Runs `fn` in the caller's transaction, or in a new one. */
function inTransaction<T>(db: DbOrTrx, fn: (trx: DbOrTrx) => Promise<T>): Promise<T> {
  return db.isTransaction ? fn(db) : (db as Db).transaction().execute(fn);
}

/**
 * Applies a patch of the tenant's overrides and pauses. The tenant_limits triggers bring its
 * lanes in line in the same transaction (and tell the workers), so the change holds from commit.
 */
export async function updateTenantLimits(
  db: DbOrTrx,
  tenantId: string,
  patch: LimitsPatch,
): Promise<TenantLimits> {
  return inTransaction(db, async (trx) => {
    await requireTenant(trx, tenantId);
    // The row lock orders concurrent patches, so a partial rate merges into the latest one. No
    // lock on the tenant row: dispatch holds lane locks while its job_logs rows key-share it.
    const stored = await trx
      .selectFrom('tenantry.tenant_limits')
      .select(['rate_limit', 'rate_period_ms'])
      .where('tenant_id', '=', tenantId)
      .forUpdate()
      .executeTakeFirst();
    const columns = patchColumns(
      tenantId,
      patch,
      stored ? rate(stored.rate_limit, stored.rate_period_ms) : null,
    );
    const queueRates = queueRateChanges(tenantId, patch);
    if (queueRates) await applyQueueRates(trx, tenantId, queueRates);
    // A queue limit's change dates the overrides too (a removed one leaves no row to date it).
    if (Object.keys(columns).length > 0 || queueRates) {
      await trx
        .insertInto('tenantry.tenant_limits')
        .values({ tenant_id: tenantId, ...columns })
        .onConflict((oc) => oc.column('tenant_id').doUpdateSet({ ...columns, updated_at: sql`now()` }))
        .execute();
    }
    return getTenantLimits(trx, tenantId);
  });
}

/**
 * Pauses the whole tenant, or one logical queue of it: nothing new starts there, admitted jobs
 * no worker has taken go back to waiting, running ones finish. A queue pause stands on its own:
 * resuming the tenant leaves it paused.
 */
export async function pauseTenant(db: DbOrTrx, tenantId: string, queue?: string): Promise<TenantLimits> {
  return setPause(db, tenantId, true, queue);
}

/** Undoes pauseTenant for the whole tenant, or for one queue. */
export async function resumeTenant(db: DbOrTrx, tenantId: string, queue?: string): Promise<TenantLimits> {
  return setPause(db, tenantId, false, queue);
}

async function setPause(db: DbOrTrx, tenantId: string, paused: boolean, queue: string | undefined) {
  if (queue !== undefined) assertQueueName(queue, tenantId);
  return inTransaction(db, async (trx) => {
    await requireTenant(trx, tenantId);
    if (queue === undefined) {
      await sql`
        INSERT INTO tenantry.tenant_limits AS tl (tenant_id, paused) VALUES (${tenantId}, ${paused})
        ON CONFLICT (tenant_id) DO UPDATE SET paused = excluded.paused, updated_at = now()`.execute(trx);
    } else if (paused) {
      await sql`
        INSERT INTO tenantry.tenant_limits AS tl (tenant_id, paused_queues) VALUES (${tenantId}, ARRAY[${queue}::text])
        ON CONFLICT (tenant_id) DO UPDATE SET updated_at = now(),
          paused_queues = ARRAY(SELECT DISTINCT q FROM unnest(tl.paused_queues || ${queue}::text) AS q ORDER BY q)`.execute(
        trx,
      );
    } else {
      await sql`
        UPDATE tenantry.tenant_limits SET paused_queues = array_remove(paused_queues, ${queue}::text), updated_at = now()
        WHERE tenant_id = ${tenantId}`.execute(trx);
    }
    return getTenantLimits(trx, tenantId);
  });
}

const UNITS: [string, number][] = [
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
];

/** `100/1m`: the format of PLAN_SCHEDULING and `tenantry tenants limits --rate`. */
export function formatRate(r: Rate | null): string {
  if (r === null) return 'none';
  const [unit, ms] = UNITS.find(([, ms]) => r.periodMs % ms === 0) ?? ['ms', 1];
  return `${r.limit}/${r.periodMs / ms}${unit}`;
}

const rateJson = (r: Rate | null) => (r === null ? null : { limit: r.limit, period_ms: r.periodMs });
const settingsJson = (s: SchedulingSettings) => ({
  concurrency: s.concurrency,
  weight: s.weight,
  rate: rateJson(s.rate),
});

/** The API's (and `--json`'s) shape of a tenant's limits. */
export function tenantLimitsJson(l: TenantLimits) {
  return {
    tenant: l.tenantId,
    plan: l.plan,
    status: l.status,
    override: {
      concurrency: l.override.concurrency,
      weight: l.override.weight,
      rate: rateJson(l.override.rate),
    },
    plan_defaults: settingsJson(l.planDefaults),
    effective: settingsJson(l.effective),
    paused: l.paused,
    paused_queues: l.pausedQueues,
    queue_rates: Object.fromEntries(
      Object.entries(l.queueRates).map(([q, r]) => [q, { limit: r.limit, period_ms: r.periodMs }]),
    ),
    rate_use: l.rateUse,
    updated_at: l.updatedAt?.toISOString() ?? null,
  };
}
