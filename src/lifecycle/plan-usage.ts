import type { Config } from '../config.ts';
import type { DbOrTrx } from '../db/database.ts';
import { countOwnedTenants } from '../db/tenants.ts';
import { normalizeOwner } from './owner.ts';
import { planLimit } from './provision.ts';

export interface PlanUsage {
  plan: string;
  /** Tenants one owner may have on the plan (PLAN_LIMITS). */
  limit: number;
  used: number;
  remaining: number;
  can_provision: boolean;
}

/**
 * How many tenants `owner` has on each plan (or on `plan` alone) against PLAN_LIMITS, and
 * whether one more may be provisioned: the seed's canProvision, for a client to ask before it
 * offers the action. Counted as provisioning counts (the owner normalised, case-insensitive).
 * An answer, not a reservation: a provision checks again under its owner's lock, so of two
 * provisions for the last place one is refused with 403 plan_limit_reached.
 */
export async function planUsage(
  db: DbOrTrx,
  config: Pick<Config, 'planLimits'>,
  owner: string,
  plan?: string,
): Promise<PlanUsage[]> {
  // An unknown plan is a 400 naming `plan` and the plans there are.
  const plans = plan === undefined ? Object.keys(config.planLimits) : [plan];
  for (const p of plans) planLimit(config, p);
  const used = await countOwnedTenants(db, normalizeOwner(owner), plans);
  return plans.map((p) => {
    const limit = config.planLimits[p]!;
    const n = used.get(p) ?? 0;
    return { plan: p, limit, used: n, remaining: Math.max(0, limit - n), can_provision: n < limit };
  });
}

export interface PlanEntry {
  plan: string;
  /** PLAN_LIMITS. */
  tenants_per_owner: number;
  /** PLAN_SCHEDULING's; null: each tenant's own concurrency (1 unless set). */
  concurrency: number | null;
  weight: number;
  rate: { limit: number; period_ms: number } | null;
}

/** The configured plans, in configuration order, as a provisioning form offers them. */
export function planCatalog(config: Pick<Config, 'planLimits' | 'planScheduling'>): PlanEntry[] {
  return Object.entries(config.planLimits).map(([plan, tenantsPerOwner]) => {
    const scheduling = config.planScheduling[plan] ?? {};
    return {
      plan,
      tenants_per_owner: tenantsPerOwner,
      concurrency: scheduling.concurrency ?? null,
      weight: scheduling.weight ?? 1,
      rate: scheduling.rate ? { limit: scheduling.rate.limit, period_ms: scheduling.rate.periodMs } : null,
    };
  });
}
