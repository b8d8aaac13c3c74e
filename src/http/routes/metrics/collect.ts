import { sql } from 'kysely';
import { Counter, Gauge, Registry } from 'prom-client';
import type { Db } from '../../../db/database.ts';
import type { TaskCounters } from '../../../jobs/metrics.ts';
import { liveJobCounts } from '../../../jobs/queue-stats.ts';
import { type LiveWorker, liveWorkers } from '../../../worker/cluster-stats.ts';
import type { TenantSlots } from '../../tenant-slots.ts';

interface Snapshot {
  workers: LiveWorker[];
  live: { pending: number; running: number };
  deadLetter: number;
}

/**
 * Prometheus metrics of the whole cluster, read at scrape time: per-worker counters from the
 * heartbeats (a counter resets when its worker restarts, as Prometheus expects), and queue
 * depth from the database. One scrape runs its three queries once, however many metrics read them.
 */
export function createMetricsRegistry(db: Db, rescueAfterMs: number, slots?: TenantSlots): Registry {
  const registry = new Registry();
  let pending: Promise<Snapshot> | undefined;
  const snapshot = () => {
    pending ??= (async () => {
      const [workers, live, dead] = await Promise.all([
        liveWorkers(db, rescueAfterMs),
        liveJobCounts(db),
        // Only central jobs stay in graphile-worker after failing for good.
        sql<{ n: number }>`
          SELECT count(*)::int AS n FROM graphile_worker.jobs WHERE locked_at IS NULL AND attempts >= max_attempts`.execute(
          db,
        ),
      ]);
      return { workers, live, deadLetter: dead.rows[0]?.n ?? 0 };
    })().finally(() => {
      // Reused only within one scrape; the next one reads fresh figures.
      setTimeout(() => {
        pending = undefined;
      }, 0);
    });
    return pending;
  };

  const perTask = (name: string, help: string, key: keyof TaskCounters) =>
    new Counter({
      name,
      help,
      labelNames: ['worker', 'task'],
      registers: [registry],
      async collect() {
        this.reset();
        for (const w of (await snapshot()).workers) {
          for (const [task, counters] of Object.entries(w.stats.tasks ?? {})) {
            if (counters[key] > 0) this.inc({ worker: w.id, task }, counters[key]);
          }
        }
      },
    });
  perTask('tenantry_jobs_processed_total', 'Job attempts that completed', 'processed');
  perTask('tenantry_jobs_failed_total', 'Jobs that failed permanently', 'failed');
  perTask('tenantry_jobs_retried_total', 'Job attempts that failed and will be retried', 'retried');
  perTask('tenantry_jobs_cancelled_total', 'Jobs cancelled while running', 'cancelled');

  new Gauge({
    name: 'tenantry_jobs_active',
    help: 'Jobs running now, per worker',
    labelNames: ['worker'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const w of (await snapshot()).workers) this.set({ worker: w.id }, w.stats.active ?? 0);
    },
  });
  new Gauge({
    name: 'tenantry_workers',
    help: 'Worker processes making progress and their total concurrency; stalled: registered but not progressing',
    labelNames: ['measure'],
    registers: [registry],
    async collect() {
      const { workers } = await snapshot();
      const active = workers.filter((w) => !w.stalled);
      this.set({ measure: 'processes' }, active.length);
      this.set(
        { measure: 'concurrency' },
        active.reduce((n, w) => n + w.concurrency, 0),
      );
      this.set({ measure: 'stalled' }, workers.length - active.length);
    },
  });
  new Gauge({
    name: 'tenantry_jobs',
    help: 'Jobs by state: pending (waiting in a tenant lane or queued), running, dead_letter (permanently failed central jobs still queued)',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      const { live, deadLetter } = await snapshot();
      this.reset();
      this.set({ state: 'pending' }, live.pending);
      this.set({ state: 'running' }, live.running);
      this.set({ state: 'dead_letter' }, deadLetter);
    },
  });
  if (slots) registerSlotMetrics(registry, slots);
  return registry;
}

/** This API process's per-tenant request bound (API_TENANT_CONCURRENCY): not the cluster's. */
function registerSlotMetrics(registry: Registry, slots: TenantSlots): void {
  new Gauge({
    name: 'tenantry_api_tenant_requests',
    help: "Tenant requests (and shared-link downloads) in this API process: running (holding one of their tenant's slots) or waiting for one",
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const { running, waiting } = slots.totals();
      this.set({ state: 'running' }, running);
      this.set({ state: 'waiting' }, waiting);
    },
  });
  new Counter({
    name: 'tenantry_api_tenant_requests_refused_total',
    help: "Tenant requests (and shared-link downloads) this API process refused (429) because their tenant's line was full",
    registers: [registry],
    collect() {
      this.reset();
      this.inc(slots.refused);
    },
  });
}
