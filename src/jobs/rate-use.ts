import { sql } from 'kysely';
import type { DbOrTrx } from '../db/database.ts';

/**
 * What a tenant's rate windows hold now (migrations/0025): the charges counted against its
 * limit by the next check, that is admissions whose jobs started or may still start, and
 * starts that came late, over the window's period and the grace before it. `tenant` is null
 * when the tenant has no rate limit; `queues` lists the queues with a limit of their own.
 */
export interface RateUse {
  tenant: number | null;
  queues: Record<string, number>;
}

export async function rateUse(db: DbOrTrx, tenantId: string): Promise<RateUse> {
  const { rows } = await sql<{ scope: string | null; used: number }>`
    WITH clock AS (SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint AS ms),
    scopes AS (
      SELECT '' AS scope, s.rate_period_ms AS period FROM tenantry.tenant_scheduling s
      WHERE s.tenant_id = ${tenantId} AND s.rate_limit IS NOT NULL
      UNION ALL
      SELECT q.queue, q.rate_period_ms FROM tenantry.queue_limits q WHERE q.tenant_id = ${tenantId}
    )
    SELECT p.scope,
           coalesce(tenantry.rate_used(w.ends, w.counts, k.ms - tenantry.rate_span_ms(p.period)), 0)::int AS used
    FROM scopes p CROSS JOIN clock k
    LEFT JOIN tenantry.rate_windows w ON w.tenant_id = ${tenantId} AND w.scope = p.scope
    ORDER BY p.scope`.execute(db);
  const tenant = rows.find((r) => r.scope === '');
  return {
    tenant: tenant ? tenant.used : null,
    queues: Object.fromEntries(rows.filter((r) => r.scope !== '').map((r) => [r.scope, r.used])),
  };
}

/** `12 in the tenant's window, 3 in reports's`: charges in each window now; '' without limits. */
export function rateUseText(use: RateUse): string {
  const parts = [
    ...(use.tenant === null ? [] : [`${use.tenant} in the tenant's window`]),
    ...Object.entries(use.queues).map(([q, n]) => `${n} in ${q}'s`),
  ];
  return parts.join(', ');
}
