// Shared pieces of the jobs benchmark (bench/jobs.ts): the bench tasks, the completion tally
// every engine's handlers feed, tenants, backlogs and a Tenantry worker on a bench database.
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { Type } from 'typebox';
import { parseConfig } from '../../src/config.ts';
import { defineTask, type TaskAudience } from '../../src/jobs/define.ts';
import { type DispatchSpec, dispatchJobs } from '../../src/jobs/dispatch.ts';
import { TaskRegistry } from '../../src/jobs/registry.ts';
import { createLogger } from '../../src/logger.ts';
import { WorkerService } from '../../src/worker/runner.ts';
import type { BenchDatabase } from './database.ts';
import { type Figure, report } from './report.ts';

/** Worker slots on every side: graphile-worker concurrency, pg-boss handlers, Tenantry workers. */
export const CONCURRENCY = 10;
/** Per-tenant cap of the throughput figures, the same for pg-boss's groupConcurrency. */
export const CAP = 5;

/**
 * Completions seen by the bench handlers in this process, by key (tenant, queue or group).
 * `done` counts distinct jobs: a job whose handler runs again is counted in `repeats`, not
 * twice, so a drain waits for every job and a duplicate execution shows as such.
 */
class Tally {
  done = 0;
  repeats = 0;
  /** performance.now() of the last completion. */
  lastAt = 0;
  readonly byKey = new Map<string, number>();
  private readonly seen = new Set<string>();

  reset(): void {
    this.done = 0;
    this.repeats = 0;
    this.lastAt = 0;
    this.byKey.clear();
    this.seen.clear();
  }

  count(key: string, id: string): void {
    if (this.seen.has(id)) {
      this.repeats += 1;
      return;
    }
    this.seen.add(id);
    this.done += 1;
    this.lastAt = performance.now();
    this.byKey.set(key, (this.byKey.get(key) ?? 0) + 1);
  }

  /** Waits until `test` holds (default: `n` jobs done) or the deadline (performance.now()) passes. */
  async until(n: number, deadline = Number.POSITIVE_INFINITY, test = () => this.done >= n): Promise<boolean> {
    while (!test()) {
      if (performance.now() > deadline) return false;
      await sleep(5);
    }
    return true;
  }
}

export const tally = new Tally();

/** A job that only counts its run: a tenant's (`bench-noop`), or a central one with no tenant and so no lane. */
const noopTask = (name: string, audience: TaskAudience) =>
  defineTask({
    name,
    audience,
    maxAttempts: 1,
    payload: Type.Object({}),
    async handler(_payload, ctx) {
      tally.count(ctx.tenantId ?? '', ctx.job.logId);
    },
  });
const noop = noopTask('bench-noop', 'tenant');

const nap = defineTask({
  name: 'bench-sleep',
  audience: 'tenant',
  maxAttempts: 1,
  payload: Type.Object({ ms: Type.Integer({ minimum: 0 }) }),
  async handler(payload, ctx) {
    await sleep(payload.ms);
    tally.count(ctx.tenantId ?? '', ctx.job.logId);
  },
});

/** Every attempt throws; three attempts, retried with graphile-worker's backoff. */
const failing = defineTask({
  name: 'bench-fail',
  audience: 'tenant',
  maxAttempts: 3,
  payload: Type.Object({}),
  async handler() {
    throw new Error('bench: this tenant always fails');
  },
});

/** Never returns by itself: each attempt ends at its 2 s timeout. */
export const HANG_TIMEOUT_MS = 2000;
const hanging = defineTask({
  name: 'bench-hang',
  audience: 'tenant',
  maxAttempts: 1,
  timeoutMs: HANG_TIMEOUT_MS,
  payload: Type.Object({}),
  async handler(_payload, ctx) {
    await sleep(600_000, undefined, { signal: ctx.signal });
  },
});

/** No tenant: no lane, straight to graphile-worker, its job log kept as always. */
const central = noopTask('bench-central', 'system');

export const benchRegistry = new TaskRegistry([noop, nap, failing, hanging, central]);

/** A Tenantry worker (concurrency CONCURRENCY), built but not started; `env` as the process would read it. */
export function tenantryWorker(
  bench: BenchDatabase,
  env: Record<string, string> = {},
): Promise<WorkerService> {
  return WorkerService.create({
    config: parseConfig({ DATABASE_URL: bench.url, LOG_LEVEL: 'silent', ...env }),
    pool: bench.pool,
    db: bench.db,
    connectionString: bench.url,
    logger: createLogger('silent', false),
    registry: benchRegistry,
    concurrency: CONCURRENCY,
    crontabFile: undefined,
    pollInterval: 1000,
  });
}

/** Tenants `<prefix>0` … `<prefix>(count-1)` with `cap` as their concurrency (created once). */
export async function createTenants(
  bench: BenchDatabase,
  count: number,
  prefix = 't',
  cap = CAP,
): Promise<string[]> {
  const ids = Array.from({ length: count }, (_, i) => `${prefix}${i}`);
  await sql`
    INSERT INTO tenantry.tenants (id, name, concurrency)
    SELECT id, id, ${cap}::int FROM unnest(${ids}::text[]) AS id
    ON CONFLICT (id) DO NOTHING`.execute(bench.db);
  return ids;
}

/**
 * `count` jobs of `task` spread round-robin over `tenants` (none: central jobs, for a task that
 * runs centrally) and over `queues`, when given; `chunk` specs per dispatchJobs call.
 */
export async function dispatchBacklog(
  bench: BenchDatabase,
  tenants: readonly string[],
  count: number,
  task = 'bench-noop',
  payload: Record<string, unknown> = {},
  chunk = 2000,
  queues: readonly string[] = [],
): Promise<void> {
  for (let offset = 0; offset < count; offset += chunk) {
    const specs: DispatchSpec[] = Array.from({ length: Math.min(chunk, count - offset) }, (_, i) => ({
      task,
      payload,
      ...(tenants.length > 0 ? { tenant: tenants[(offset + i) % tenants.length] } : {}),
      ...(queues.length > 0 ? { queue: queues[(offset + i) % queues.length] } : {}),
    }));
    await dispatchJobs(bench.db, benchRegistry, specs);
  }
}

/**
 * Per-tenant settings through tenant_limits, as PATCH /api/tenants/:id/limits writes them (every
 * column: what is not given follows the plan); one statement for any number of tenants.
 */
export async function setLimits(
  bench: BenchDatabase,
  tenants: string | readonly string[],
  limits: { concurrency?: number; weight?: number; rateLimit?: number; ratePeriodMs?: number },
): Promise<void> {
  await sql`
    INSERT INTO tenantry.tenant_limits (tenant_id, concurrency, weight, rate_limit, rate_period_ms)
    SELECT id, ${limits.concurrency ?? null}::int, ${limits.weight ?? null}::real, ${limits.rateLimit ?? null}::int,
           ${limits.ratePeriodMs ?? null}::int
    FROM unnest(${typeof tenants === 'string' ? [tenants] : tenants}::text[]) AS id
    ON CONFLICT (tenant_id) DO UPDATE SET concurrency = excluded.concurrency, weight = excluded.weight,
      rate_limit = excluded.rate_limit, rate_period_ms = excluded.rate_period_ms, updated_at = now()`.execute(
    bench.db,
  );
}

/** A figure as bench/lib/report.ts prints it, remembered for the closing summary. */
export const figures: Figure[] = [];

export function figure(f: Omit<Figure, 'bench'>): void {
  const full = { bench: 'jobs', ...f };
  figures.push(full);
  report(full);
}

export interface Throughput {
  /** Jobs completed per second, from start to the last completion. */
  rate: number;
  done: number;
  /** Handler runs of jobs that had already run (should be 0). */
  repeats: number;
  seconds: number;
  /** The run ended at its deadline with jobs left. */
  cut: boolean;
}

/** Starts an engine on a dispatched backlog and times it until `jobs` completions (or `limitMs`). */
export async function timedDrain(
  start: () => Promise<unknown>,
  jobs: number,
  limitMs = Number.POSITIVE_INFINITY,
): Promise<Throughput> {
  tally.reset();
  const t0 = performance.now();
  await start();
  const finished = await tally.until(jobs, t0 + limitMs);
  const seconds = ((finished ? tally.lastAt : performance.now()) - t0) / 1000;
  return { rate: tally.done / seconds, done: tally.done, repeats: tally.repeats, seconds, cut: !finished };
}
