import type { Db } from '../db/database.ts';
import { ListenerOnDemand } from '../db/listener-on-demand.ts';
import { JOB_LOG_CHANNEL } from '../jobs/log-batch.ts';
import type { Logger } from '../logger.ts';
import { jobLogSummaryJson } from './json.ts';
import { findJobLogOwners, findJobLogSummaries } from './repository.ts';

/** The tenant-status channel (migration 0002's trigger): provisioning and status changes. */
const TENANT_CHANNEL = 'tenantry_tenant_status';

/** Changes are gathered for this long and sent together: at most one message per interval. */
export const FLUSH_INTERVAL_MS = 500;
/**
 * More changed rows than this in one interval, of one subscriber's scope (its tenant's, or all
 * of them for an admin): that subscriber is told to re-read instead. Counted per tenant, so
 * one tenant's bulk dispatch does not make every other tenant's pages re-read and miss their
 * own changes meanwhile (it did: the count was of every tenant's rows together).
 */
export const MAX_ROWS_PER_FLUSH = 200;
/** Changed ids gathered in one interval; past this, every subscriber re-reads. */
export const MAX_IDS_PER_FLUSH = 5000;

export type JobLogSummary = ReturnType<typeof jobLogSummaryJson>;

export interface PageSubscriber {
  /** Only this tenant's changes; undefined: every tenant's (an admin). */
  tenantId: string | undefined;
  jobs(rows: JobLogSummary[]): void;
  /** Too many changes, or notifications were lost: re-read what the page shows. */
  resync(reason: string): void;
  tenant(change: { id: string; status: string }): void;
  end(): void;
}

/**
 * Job-log changes for whole pages (the dashboard's lists and figures), over one LISTEN
 * connection per process. Notifications carry ids; every FLUSH_INTERVAL_MS the changed rows
 * are read once (list columns only) and each subscriber gets those of its own scope in one
 * message. Rows nobody can see are never sent: a tenant subscriber gets its tenant's rows only.
 */
export class JobLogPageHub {
  private readonly subscribers = new Set<PageSubscriber>();
  private readonly changed = new Set<string>();
  private overflow = false;
  private timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> = Promise.resolve();
  private readonly listening: ListenerOnDemand;

  private readonly db: Db;
  private readonly logger: Logger;

  constructor(db: Db, connectionString: string, logger: Logger) {
    this.db = db;
    this.logger = logger;
    this.listening = new ListenerOnDemand(connectionString, logger, async (listener) => {
      await listener.listen(JOB_LOG_CHANNEL, (payload) => this.note(payload.split(',')));
      await listener.listen(TENANT_CHANNEL, (payload) => this.tenantChanged(payload));
      listener.onReconnect(() => {
        for (const s of this.subscribers) s.resync('reconnected');
      });
    });
  }

  async subscribe(subscriber: PageSubscriber): Promise<() => void> {
    this.subscribers.add(subscriber);
    const unsubscribe = () => {
      this.subscribers.delete(subscriber);
    };
    try {
      await this.listening.start();
    } catch (err) {
      unsubscribe();
      throw err;
    }
    return unsubscribe;
  }

  get size(): number {
    return this.subscribers.size;
  }

  async close(): Promise<void> {
    clearTimeout(this.timer);
    for (const s of this.subscribers) s.end();
    this.subscribers.clear();
    await this.listening.close();
  }

  private note(ids: string[]): void {
    if (this.subscribers.size === 0) return;
    for (const id of ids) {
      if (!/^\d{1,18}$/.test(id)) continue;
      if (this.changed.size >= MAX_IDS_PER_FLUSH) {
        this.overflow = true;
        break;
      }
      this.changed.add(id);
    }
    this.timer ??= setTimeout(() => this.flush(), FLUSH_INTERVAL_MS);
  }

  private flush(): void {
    this.timer = undefined;
    const ids = [...this.changed];
    const overflow = this.overflow;
    this.changed.clear();
    this.overflow = false;
    if (overflow) {
      for (const s of this.subscribers) s.resync('many changes');
      return;
    }
    if (ids.length === 0 || this.subscribers.size === 0) return;
    // One refresh after the other: a slow one must not deliver older rows after a newer one.
    this.refreshing = this.refreshing
      .then(() => this.refresh(ids))
      .catch((err: unknown) => {
        this.logger.warn({ err }, 'job-log page refresh failed');
        for (const s of this.subscribers) s.resync('refresh failed');
      });
  }

  /** Sends each subscriber its scope's changed rows, or a resync when its scope has too many. */
  private async refresh(ids: string[]): Promise<void> {
    const busy = new Set<string | null>();
    let shown = ids;
    if (ids.length > MAX_ROWS_PER_FLUSH) {
      // Whose rows changed: only a tenant past the bound re-reads; the others get their rows.
      const owners = await findJobLogOwners(this.db, ids);
      const counts = new Map<string | null, number>();
      for (const o of owners) counts.set(o.tenant_id, (counts.get(o.tenant_id) ?? 0) + 1);
      for (const [tenant, n] of counts) if (n > MAX_ROWS_PER_FLUSH) busy.add(tenant);
      shown = owners.filter((o) => !busy.has(o.tenant_id)).map((o) => o.id);
    }
    const summaries = (await findJobLogSummaries(this.db, shown)).map(jobLogSummaryJson);
    for (const s of this.subscribers) {
      const tooMany = s.tenantId === undefined ? ids.length > MAX_ROWS_PER_FLUSH : busy.has(s.tenantId);
      if (tooMany) {
        s.resync('many changes');
        continue;
      }
      const mine = s.tenantId === undefined ? summaries : summaries.filter((r) => r.tenant === s.tenantId);
      if (mine.length > 0) s.jobs(mine);
    }
  }

  private tenantChanged(id: string): void {
    const watching = [...this.subscribers].filter((s) => s.tenantId === undefined || s.tenantId === id);
    if (watching.length === 0) return;
    this.db
      .selectFrom('tenantry.tenants')
      .select(['id', 'status'])
      .where('id', '=', id)
      .executeTakeFirst()
      .then(
        (row) => {
          if (row) for (const s of watching) if (this.subscribers.has(s)) s.tenant(row);
        },
        (err) => this.logger.warn({ err }, 'tenant status refresh failed'),
      );
  }
}
