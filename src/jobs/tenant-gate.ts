import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import type { Listener } from '../db/listener.ts';
import type { TenantStatus } from '../db/schema.ts';
import type { Logger } from '../logger.ts';
import { parseLane } from './lanes.ts';

export const TENANT_STATUS_CHANNEL = 'tenantry_tenant_status';

/** Which jobs a worker process takes: only these tenants / logical queues when given. */
export interface WorkerFilter {
  tenants?: readonly string[];
  queues?: readonly string[];
}

export interface TenantState {
  status: TenantStatus;
  /** Nothing new of the tenant starts (PATCH /api/tenants/:id/limits, `tenantry tenants pause`). */
  paused: boolean;
  /** Logical queues of the tenant on which nothing new starts. */
  pausedQueues: readonly string[];
}

/** Why a job of this tenant on `queue` may not start now; undefined when it may. */
export function heldReason(state: TenantState, queue: string): string | undefined {
  if (state.status !== 'active') return `tenant is ${state.status}`;
  if (state.paused) return 'tenant is paused';
  if (state.pausedQueues.includes(queue)) return `queue ${queue} is paused`;
  return undefined;
}

/**
 * Tenant state at job start (status and pauses, see heldReason), and for a worker limited to
 * some tenants or queues, the graphile-worker forbidden flags that keep the others' jobs away:
 * every tenant job carries `t:<tenant>` (central jobs `central`) and `q:<queue>`; inactive or
 * suspended tenants are forbidden too.
 * The set is cached; tenant inserts and status changes (NOTIFY) invalidate it at once, and
 * a filtered worker re-reads it more often, since new queue names announce nothing.
 * Tenant states are cached the same way: every change to a tenant's status, limits, pauses or
 * existence is announced (migrations 0002, 0009, 0012) and drops its entry, a lost connection
 * drops them all, and entries are read again after STATE_MAX_AGE_MS as a backstop. The
 * states of tenants with work waiting or admitted are read in one query at start, not one
 * query per tenant at its first job.
 */
/** How long a tenant's state is used without a notification before it is read again. */
const STATE_MAX_AGE_MS = 60_000;

type StateRow = { tenant_id: string; status: TenantStatus; paused: boolean; paused_queues: string[] };
const stateOf = (row: StateRow): TenantState => ({
  status: row.status,
  paused: row.paused,
  pausedQueues: row.paused_queues,
});

export class TenantGate {
  private flags: string[] = [];
  private loadedAt = 0;
  private loading: Promise<string[]> | undefined;
  private readonly states = new Map<string, { state: TenantState | undefined; at: number }>();
  private readonly maxAgeMs: number;

  private readonly db: Db;
  private readonly filter: WorkerFilter;
  private readonly logger: Logger;

  constructor(db: Db, filter: WorkerFilter, logger: Logger) {
    this.db = db;
    this.filter = filter;
    this.logger = logger;
    this.maxAgeMs = filter.tenants?.length || filter.queues?.length ? 100 : 1000;
  }

  /** Only some tenants or queues: graphile-worker must skip the others' jobs by their flags. */
  get filtered(): boolean {
    return Boolean(this.filter.tenants?.length || this.filter.queues?.length);
  }

  async start(listener: Listener): Promise<void> {
    await listener.listen(TENANT_STATUS_CHANNEL, (tenantId) => {
      this.states.delete(tenantId);
      this.loadedAt = 0;
    });
    listener.onReconnect(() => {
      this.states.clear();
      this.loadedAt = 0;
    });
    await this.forbiddenFlags();
    await this.loadBusyStates();
  }

  /** States of the tenants whose lanes have work, in one query (failure is not fatal: misses read them). */
  private async loadBusyStates(): Promise<void> {
    try {
      const at = Date.now();
      const { rows } = await sql<StateRow>`
        SELECT tenant_id, status, paused, paused_queues FROM tenantry.tenant_scheduling
        WHERE tenant_id IN (SELECT tenant_id FROM tenantry.lanes WHERE due IS NOT NULL OR inflight > 0)`.execute(
        this.db,
      );
      for (const row of rows) {
        if (!this.states.has(row.tenant_id)) this.states.set(row.tenant_id, { state: stateOf(row), at });
      }
    } catch (err) {
      this.logger.warn({ err }, 'could not read tenant states ahead; they are read at first use');
    }
  }

  /** For graphile-worker's `forbiddenFlags`; never throws (the last known set is used instead). */
  forbiddenFlags = (): string[] | Promise<string[]> => {
    if (Date.now() - this.loadedAt < this.maxAgeMs) return this.flags;
    this.loading ??= this.load()
      .then(
        (flags) => {
          this.flags = flags;
          this.loadedAt = Date.now();
          return flags;
        },
        (err: unknown) => {
          this.logger.warn({ err }, 'could not refresh forbidden job flags; using the previous set');
          return this.flags;
        },
      )
      .finally(() => {
        this.loading = undefined;
      });
    return this.loading;
  };

  /** The tenant's state at job start; undefined when it no longer exists. */
  async tenant(tenantId: string): Promise<TenantState | undefined> {
    const cached = this.states.get(tenantId);
    if (cached && Date.now() - cached.at < STATE_MAX_AGE_MS) return cached.state;
    const { rows } = await sql<StateRow>`
      SELECT tenant_id, status, paused, paused_queues FROM tenantry.tenant_scheduling
      WHERE tenant_id = ${tenantId}`.execute(this.db);
    const state = rows[0] ? stateOf(rows[0]) : undefined;
    this.states.set(tenantId, { state, at: Date.now() });
    return state;
  }

  private async load(): Promise<string[]> {
    const { tenants, queues } = this.filter;
    const { rows } = await sql<{ id: string }>`
      SELECT id FROM tenantry.tenants
      WHERE status <> 'active' OR (${tenants?.length ? tenants : null}::text[] IS NOT NULL AND id <> ALL(${tenants ?? []}))`.execute(
      this.db,
    );
    const flags = rows.map((r) => `t:${r.id}`);
    if (tenants?.length) flags.push('central');
    if (queues?.length) {
      const { rows: lanes } = await sql<{ queue: string }>`
        SELECT DISTINCT queue FROM tenantry.lanes
        UNION SELECT queue_name FROM graphile_worker.jobs WHERE queue_name IS NOT NULL`.execute(this.db);
      const known = new Set(['default', ...lanes.map((l) => parseLane(l.queue).queue)]);
      for (const queue of known) if (!queues.includes(queue)) flags.push(`q:${queue}`);
    }
    return flags;
  }
}
