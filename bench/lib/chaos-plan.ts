/** What one run of bench/chaos.ts does and when: the job mix and the fault schedule. */

export type FaultKind = 'kill-worker' | 'pg-crash' | 'pg-fast-restart';

export interface PlannedFault {
  kind: FaultKind;
  /** Seconds after the first dispatch. */
  at: number;
  /** PostgreSQL faults: seconds the server stays down before it is started again. */
  downSeconds?: number;
}

export interface ChaosPlan {
  name: 'full' | 'quick';
  jobs: number;
  tenants: number;
  workers: number;
  concurrency: number;
  rescueAfterMs: number;
  shutdownTimeoutMs: number;
  /** Bulk dispatch is spread over this many seconds, so faults hit jobs being dispatched too. */
  dispatchSeconds: number;
  batchSize: number;
  faults: PlannedFault[];
  /** A job not terminal this long after the last fault is stuck. */
  settleSeconds: number;
  /** The whole run, setup to figures; past it the run reports what it has and exits non-zero. */
  limitSeconds: number;
  /**
   * Every `every`-th tenant is held to `limit` starts per `periodMs`: near the rate its share of
   * the jobs arrives at, so its jobs wait in their lanes, start late through the start gate and
   * are held back while the faults hit.
   */
  rated: { every: number; limit: number; periodMs: number };
}

const common = {
  tenants: 50,
  workers: 3,
  concurrency: 8,
  rescueAfterMs: 5_000,
  shutdownTimeoutMs: 2_000,
  settleSeconds: 120,
  rated: { every: 5, limit: 5, periodMs: 1_000 },
};

/**
 * Worker kills every 10 s, and PostgreSQL faults placed between them (3 s clear of the nearest
 * kill), each down for 4 s: an outage's effects are not confused with a kill's.
 */
function fullFaults(): PlannedFault[] {
  const kills = Array.from({ length: 9 }, (_, i) => ({ kind: 'kill-worker' as const, at: 5 + 10 * i }));
  const database: PlannedFault[] = [
    { kind: 'pg-crash', at: 28, downSeconds: 4 },
    { kind: 'pg-fast-restart', at: 48, downSeconds: 4 },
    { kind: 'pg-crash', at: 68, downSeconds: 4 },
  ];
  return [...kills, ...database].sort((a, b) => a.at - b.at);
}

export function chaosPlan(quick: boolean): ChaosPlan {
  if (quick) {
    return {
      ...common,
      name: 'quick',
      jobs: 2_000,
      dispatchSeconds: 15,
      batchSize: 100,
      faults: [
        { kind: 'kill-worker', at: 5 },
        { kind: 'pg-crash', at: 10, downSeconds: 3 },
        { kind: 'pg-fast-restart', at: 20, downSeconds: 3 },
      ],
      limitSeconds: 6 * 60,
    };
  }
  return {
    ...common,
    name: 'full',
    jobs: 10_000,
    dispatchSeconds: 60,
    batchSize: 250,
    faults: fullFaults(),
    limitSeconds: 10 * 60,
  };
}

export interface JobSpec {
  task: 'chaos-quick' | 'chaos-slow' | 'chaos-flaky' | 'chaos-timeout';
  tenant: string;
  payload: Record<string, unknown>;
}

export const tenantIds = (count: number) => Array.from({ length: count }, (_, i) => `chaos-${i}`);

/** The tenants the plan rate-limits: every `rated.every`-th. */
export const ratedTenants = (plan: ChaosPlan, tenants: string[]) =>
  tenants.filter((_, i) => i % plan.rated.every === 0);

/**
 * The i-th job of the run: ~70% quick, 15% slow (200-2000 ms), 10% flaky, 5% timeout, spread
 * round-robin over the tenants. Deterministic (a multiplicative hash of i), so runs compare.
 */
export function jobSpec(i: number, tenants: string[]): JobSpec {
  const tenant = tenants[i % tenants.length]!;
  const roll = (i * 2_654_435_761) % 2 ** 32;
  const bucket = roll % 100;
  if (bucket < 70) return { task: 'chaos-quick', tenant, payload: {} };
  if (bucket < 85) return { task: 'chaos-slow', tenant, payload: { ms: 200 + (roll % 1801) } };
  if (bucket < 95) return { task: 'chaos-flaky', tenant, payload: {} };
  return { task: 'chaos-timeout', tenant, payload: {} };
}
