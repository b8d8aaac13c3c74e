import { sql } from 'kysely';
import type { DbOrTrx } from '../db/database.ts';

/** How far back shares reach, and how often a baseline is kept. */
export const SHARE_WINDOW_MS = 5 * 60_000;
export const SHARE_SAMPLE_EVERY_MS = 60_000;

interface Sample {
  at: number;
  /** lanes.admitted_total by lane name. */
  totals: Map<string, number>;
}

export interface ShareView {
  /** Start of the stretch the shares cover. */
  since: Date;
  /**
   * The lane's fraction (0-1) of the jobs admitted since `since`, or with `withinTenant` of that
   * tenant's admissions only (what a tenant may see: the whole would tell it how busy the others
   * are); null when none was.
   */
  share(lane: string, withinTenant?: string): number | null;
}

/**
 * Each lane's share of the jobs the scheduler admitted (handed to workers) recently. The
 * database keeps only a running total per lane (lanes.admitted_total), and job logs have no
 * index to count starts by time, so this keeps a few baselines of those totals in memory,
 * one per SHARE_SAMPLE_EVERY_MS, and compares the current totals with the oldest one younger
 * than SHARE_WINDOW_MS. A fresh process (or one not asked for a while) has no baseline yet
 * and reports none: the first call starts one.
 */
export class AdmissionShares {
  private samples: Sample[] = [];
  private readonly windowMs: number;
  private readonly everyMs: number;
  private readonly clock: () => number;

  constructor(options: { windowMs?: number; everyMs?: number; clock?: () => number } = {}) {
    this.windowMs = options.windowMs ?? SHARE_WINDOW_MS;
    this.everyMs = options.everyMs ?? SHARE_SAMPLE_EVERY_MS;
    this.clock = options.clock ?? Date.now;
  }

  async observe(db: DbOrTrx): Promise<ShareView | undefined> {
    const { rows } = await sql<{ name: string; total: number }>`
      SELECT name, admitted_total::float8 AS total FROM tenantry.lanes`.execute(db);
    const now = this.clock();
    const totals = new Map(rows.map((r) => [r.name, r.total]));
    this.samples = this.samples.filter((s) => now - s.at <= this.windowMs);
    const newest = this.samples.at(-1);
    if (!newest || now - newest.at >= this.everyMs) this.samples.push({ at: now, totals });
    const base = this.samples[0]!;
    if (base.totals === totals) return undefined;
    const admitted = new Map<string, number>();
    let sum = 0;
    for (const [lane, total] of totals) {
      // A lane created since the baseline has had all its admissions since.
      const n = Math.max(0, total - (base.totals.get(lane) ?? 0));
      if (n === 0) continue;
      admitted.set(lane, n);
      sum += n;
    }
    const tenantSums = new Map<string, number>();
    const sumWithin = (tenant: string) => {
      let n = tenantSums.get(tenant);
      if (n === undefined) {
        // Tenant ids hold no `_`, so `tenant_<id>_` begins this tenant's lanes and no other's.
        const head = `tenant_${tenant}_`;
        n = 0;
        for (const [lane, count] of admitted) if (lane.startsWith(head)) n += count;
        tenantSums.set(tenant, n);
      }
      return n;
    };
    return {
      since: new Date(base.at),
      share: (lane, withinTenant) => {
        const whole = withinTenant === undefined ? sum : sumWithin(withinTenant);
        return whole === 0 ? null : (admitted.get(lane) ?? 0) / whole;
      },
    };
  }
}
