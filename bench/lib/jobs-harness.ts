import { EventEmitter } from 'node:events';
import { Logger, type Runner, run, type Task } from 'graphile-worker';
import { sql } from 'kysely';
import { Type } from 'typebox';
import { parseConfig } from '../../src/config.ts';
import { defineTask } from '../../src/jobs/define.ts';
import { type DispatchSpec, dispatchJobs } from '../../src/jobs/dispatch.ts';
import { TaskRegistry } from '../../src/jobs/registry.ts';
import { createLogger } from '../../src/logger.ts';
import { WorkerService } from '../../src/worker/runner.ts';
import type { BenchDatabase } from './database.ts';

export const CONCURRENCY = 10;

/** Start latencies (ms from dispatch to handler start) recorded by the bench tasks. */
export const latencies: number[] = [];

const recordLatency = (payload: unknown) => {
  const sentAt = (payload as { sent_at?: number }).sent_at;
  if (sentAt) latencies.push(Date.now() - sentAt);
};

const noop = defineTask({
  name: 'noop',
  audience: 'tenant',
  maxAttempts: 1,
  payload: Type.Object({ sent_at: Type.Optional(Type.Number()) }),
  async handler(payload) {
    recordLatency(payload);
  },
});

export const benchRegistry = new TaskRegistry([noop]);

/** graphile-worker's own settings for both sides, so the comparison isolates Tenantry's work. */
const preset = { worker: { completeJobBatchDelay: 0, failJobBatchDelay: 0 } };

export async function waitUntilDrained(bench: BenchDatabase): Promise<void> {
  for (;;) {
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM graphile_worker.jobs`.execute(
      bench.db,
    );
    if (rows[0]?.n === 0) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function startRaw(bench: BenchDatabase): Promise<Runner> {
  const rawNoop: Task = async (payload) => recordLatency(payload);
  return run({
    pgPool: bench.pool,
    taskList: { 'raw-noop': rawNoop },
    // Without this graphile-worker would load the repository's crontab file.
    parsedCronItems: [],
    concurrency: CONCURRENCY,
    noHandleSignals: true,
    pollInterval: 1000,
    events: new EventEmitter(),
    logger: createGraphileSilentLogger(),
    preset,
  });
}

export async function startTenantry(bench: BenchDatabase): Promise<WorkerService> {
  return (await createTenantry(bench)).start();
}

/** A Tenantry worker built but not started. */
export async function createTenantry(bench: BenchDatabase): Promise<WorkerService> {
  const config = parseConfig({ DATABASE_URL: bench.url, LOG_LEVEL: 'silent' });
  return WorkerService.create({
    config,
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

/** Raw jobs spread round-robin over `queues` named queues (0: no named queue). */
export async function addRawJobs(
  bench: BenchDatabase,
  count: number,
  queues: number,
  sentAt?: number,
): Promise<void> {
  for (let offset = 0; offset < count; offset += 2000) {
    const n = Math.min(2000, count - offset);
    const names = Array.from({ length: n }, (_, i) => (queues ? `q${(offset + i) % queues}` : null));
    await sql`
      SELECT graphile_worker.add_jobs(array_agg(ROW('raw-noop', ${JSON.stringify({ sent_at: sentAt })}::json, name,
        now(), 1, NULL, 0, NULL)::graphile_worker.job_spec), false)
      FROM unnest(${names}::text[]) AS name`.execute(bench.db);
  }
}

export async function createTenants(bench: BenchDatabase, count: number, prefix = 't'): Promise<string[]> {
  const ids = Array.from({ length: count }, (_, i) => `${prefix}${i}`);
  await sql`INSERT INTO tenantry.tenants (id, name) SELECT id, id FROM unnest(${ids}::text[]) AS id ON CONFLICT DO NOTHING`.execute(
    bench.db,
  );
  return ids;
}

/** Tenantry jobs spread round-robin over `tenants`, dispatched in bulk. */
export async function dispatchTenantJobs(
  bench: BenchDatabase,
  count: number,
  tenants: string[],
): Promise<void> {
  for (let offset = 0; offset < count; offset += 2000) {
    const specs: DispatchSpec[] = Array.from({ length: Math.min(2000, count - offset) }, (_, i) => ({
      task: 'noop',
      payload: {},
      tenant: tenants[(offset + i) % tenants.length],
    }));
    await dispatchJobs(bench.db, benchRegistry, specs);
  }
}

/** graphile-worker logs every job at info; the bench prints its own figures only. */
function createGraphileSilentLogger(): Logger {
  return new Logger(() => () => {});
}
