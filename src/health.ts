import { sql } from 'kysely';
import type { Db } from './db/database.ts';

/** The seed's /health field names, kept for clients that already read them. */
export interface WorkerStats {
  tasks_processed: number;
  tasks_failed: number;
  /** Worker slots of processes whose job loop is making progress. */
  active_workers: number;
  /** Worker processes still registered whose loop is not making progress. */
  stalled_workers: number;
}

export type DependencyState = 'connected' | 'disconnected' | 'not_configured';

/** What /health and /ready report; each source is cheap and bounded in time. */
export interface HealthSources {
  database(): Promise<DependencyState>;
  redis(): Promise<DependencyState>;
  workers(): Promise<WorkerStats>;
  /** The tenant cache's store and whether it answers (never fails the check). */
  cache(): Promise<{ store: 'postgres' | 'redis'; state: DependencyState }>;
}

export const NO_WORKERS: WorkerStats = Object.freeze({
  tasks_processed: 0,
  tasks_failed: 0,
  active_workers: 0,
  stalled_workers: 0,
});

/** Rejects after `ms`, so a hung dependency cannot hang a health probe. */
export function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

export async function databaseState(db: Db, timeoutMs = 2000): Promise<DependencyState> {
  try {
    await within(timeoutMs, sql`SELECT 1`.execute(db));
    return 'connected';
  } catch {
    return 'disconnected';
  }
}

/**
 * `work` run once for every caller that asks while it runs and for `reuseMs` after it settles:
 * /health and /ready are public, and a flood of them must not become a flood of queries taking
 * the pool's connections from the tenants' requests. An answer may be `reuseMs` old.
 */
export function shared<T>(reuseMs: number, work: () => Promise<T>): () => Promise<T> {
  let current: Promise<T> | undefined;
  return () => {
    if (current) return current;
    const run = work();
    current = run;
    const forget = () => {
      if (current === run) current = undefined;
    };
    // A failure is not kept: the next caller tries again.
    run.then(() => setTimeout(forget, reuseMs).unref(), forget);
    return run;
  };
}
