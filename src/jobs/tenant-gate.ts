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
}

/**
 * Decides which jobs this worker may take, through graphile-worker's forbidden flags: every
 * tenant job carries `t:<tenant>` (central jobs `central`) and `q:<queue>`. Jobs of inactive or
 * suspended tenants are forbidden, so they wait in the queue, not lost, until reactivation.
 * The set is cached; tenant inserts and status changes (NOTIFY) invalidate it at once, and
 * a filtered worker re-reads it more often, since new queue names announce nothing.
 */
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
    if (cached && Date.now() - cached.at < 5000) return cached.state;
    const row = await this.db
      .selectFrom('tenantry.tenants')
      .select('status')
      .where('id', '=', tenantId)
      .executeTakeFirst();
    const state = row ? { status: row.status } : undefined;
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
      const { rows: lanes } = await sql<{
        queue_name: string;
      }>`SELECT queue_name FROM graphile_worker._private_job_queues`.execute(this.db);
      const known = new Set(['default', ...lanes.map((l) => parseLane(l.queue_name).queue)]);
      for (const queue of known) if (!queues.includes(queue)) flags.push(`q:${queue}`);
    }
    return flags;
  }
}
