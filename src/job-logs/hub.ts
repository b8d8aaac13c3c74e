import type { Db } from '../db/database.ts';
import { ListenerOnDemand } from '../db/listener-on-demand.ts';
import { JOB_LOG_CHANNEL } from '../jobs/log-batch.ts';
import type { Logger } from '../logger.ts';
import { findJobLogs, type JobLogRow } from './repository.ts';

export interface Subscriber {
  /** Called with the row each time it may have changed (duplicates possible). */
  update(row: JobLogRow): void;
  /** Called once when the hub shuts down. */
  end(): void;
}

/**
 * Fans job-log notifications out to live clients over one LISTEN connection per process.
 * A notification carries ids only; the hub re-reads just the rows someone follows, once per
 * notification however many clients follow them, so no client polls.
 */
export class JobLogHub {
  private readonly followers = new Map<string, Set<Subscriber>>();
  private readonly listening: ListenerOnDemand;

  private readonly db: Db;
  private readonly logger: Logger;

  constructor(db: Db, connectionString: string, logger: Logger) {
    this.db = db;
    this.logger = logger;
    this.listening = new ListenerOnDemand(connectionString, logger, async (listener) => {
      await listener.listen(JOB_LOG_CHANNEL, (payload) => this.refresh(payload.split(',')));
      // Notifications sent while disconnected are lost: re-read everything followed.
      listener.onReconnect(() => this.refresh([...this.followers.keys()]));
    });
  }

  /** Follows job log `id`; resolves once notifications are flowing. Returns the unsubscribe function. */
  async subscribe(id: string, subscriber: Subscriber): Promise<() => void> {
    let set = this.followers.get(id);
    if (!set) {
      set = new Set();
      this.followers.set(id, set);
    }
    set.add(subscriber);
    const unsubscribe = () => {
      set.delete(subscriber);
      if (set.size === 0 && this.followers.get(id) === set) this.followers.delete(id);
    };
    try {
      await this.listening.start();
    } catch (err) {
      unsubscribe();
      throw err;
    }
    return unsubscribe;
  }

  async close(): Promise<void> {
    for (const set of this.followers.values()) for (const s of set) s.end();
    this.followers.clear();
    await this.listening.close();
  }

  private refresh(ids: string[]): void {
    const followed = ids.filter((id) => this.followers.has(id));
    if (followed.length === 0) return;
    findJobLogs(this.db, followed).then(
      (rows) => {
        for (const row of rows) for (const s of this.followers.get(row.id) ?? []) s.update(row);
      },
      (err) => this.logger.warn({ err }, 'job-log refresh failed'),
    );
  }
}
