import type { WorkerUtils } from 'graphile-worker';
import type { CacheStore } from '../cache/contract.ts';
import type { Config } from '../config.ts';
import type { Resolver } from '../job-logs/callback-delivery.ts';
import type { Mailer } from '../mail/mailer.ts';
import type { NotificationRouter } from '../notifications/router.ts';

/** Shared services a task handler may use, built once per worker process. */
export interface TaskServices {
  readonly config: Config;
  readonly mailer: Mailer;
  readonly notifications: NotificationRouter;
  /** graphile-worker's admin helpers (cleanup, reschedule, ...). */
  readonly workerUtils: WorkerUtils;
  /** The database URL (embedded or DATABASE_URL), for tools that connect themselves (pg_dump). */
  readonly connectionString: string;
  /** The process's cache store; handlers use ctx.cache, scoped to their tenant. */
  readonly cache: CacheStore;
  /** Name resolution for outbound callbacks; the system resolver unless a test injects one. */
  readonly resolver?: Resolver;
}
