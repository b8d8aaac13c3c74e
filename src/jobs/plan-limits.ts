import { sql } from 'kysely';
import type { PlanScheduling } from '../config.ts';
import type { DbOrTrx } from '../db/database.ts';

/**
 * Writes PLAN_SCHEDULING into plan_limits, where the scheduler reads it (tenant_scheduling in
 * migrations/0008). Rows already equal are left alone, so processes starting with the same
 * configuration do not touch every lane; a plan left out of the configuration is removed.
 */
export async function syncPlanLimits(
  db: DbOrTrx,
  plans: Readonly<Record<string, PlanScheduling>>,
): Promise<void> {
  const names = Object.keys(plans);
  const pick = <T>(f: (p: PlanScheduling) => T | undefined) => names.map((n) => f(plans[n]!) ?? null);
  await sql`
    WITH wanted AS (
      SELECT * FROM unnest(${names}::text[], ${pick((p) => p.concurrency)}::int[], ${pick((p) => p.weight)}::real[],
                           ${pick((p) => p.rate?.limit)}::int[], ${pick((p) => p.rate?.periodMs)}::int[])
        AS w(plan, concurrency, weight, rate_limit, rate_period_ms)
    ), gone AS (
      DELETE FROM tenantry.plan_limits p WHERE NOT EXISTS (SELECT 1 FROM wanted w WHERE w.plan = p.plan)
    )
    INSERT INTO tenantry.plan_limits AS p (plan, concurrency, weight, rate_limit, rate_period_ms)
    SELECT * FROM wanted
    ON CONFLICT (plan) DO UPDATE SET concurrency = excluded.concurrency, weight = excluded.weight,
      rate_limit = excluded.rate_limit, rate_period_ms = excluded.rate_period_ms
    WHERE (p.concurrency, p.weight, p.rate_limit, p.rate_period_ms) IS DISTINCT FROM
          (excluded.concurrency, excluded.weight, excluded.rate_limit, excluded.rate_period_ms)`.execute(db);
}
