import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BenchConnection,
  benchConnection,
  executions,
  jobCounts,
  prepareDatabase,
} from '../../bench/lib/chaos-database.ts';
import { createDb, createPool, type Db } from '../../src/db/database.ts';
import type { App } from '../../src/http/app.ts';
import { registry } from '../../src/tasks/index.ts';
import { restartTasks } from '../fixtures/restart-worker.ts';
import { ADMIN_KEY, bearer, buildTestApp } from '../helpers/app.ts';
import { type StopMode, ThrowawayPostgres } from '../helpers/throwaway-postgres.ts';

// Processes ride out database restarts: a real worker process and the API, on a PostgreSQL of
// this file's own (the shared server is never stopped), while that server is crashed (immediate
// shutdown) and stopped cleanly (fast shutdown) with jobs in flight, and a worker started before
// the server is up. Deadlines below only keep a broken run from hanging; nothing is timed.

const FIXTURE = fileURLToPath(new URL('../fixtures/restart-worker.ts', import.meta.url));
const TENANTS = ['rs-0', 'rs-1', 'rs-2', 'rs-3', 'rs-4', 'rs-5'];

interface JobSpec {
  task: string;
  tenant: string;
  payload: Record<string, unknown>;
}

/** test/fixtures/restart-worker.ts as a child process, with its output kept for failure reports. */
class WorkerProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly ready: Promise<void>;
  private out = '';

  constructor(env: NodeJS.ProcessEnv) {
    // stdin stays a pipe: the fixture stops when it closes, so a dead test leaves no worker behind.
    this.child = spawn(process.execPath, [FIXTURE], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.pid = this.child.pid!;
    const keep = (chunk: Buffer) => {
      this.out += chunk.toString();
    };
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
    this.ready = new Promise<void>((resolve, reject) => {
      this.child.stdout?.on('data', () => {
        if (/^ready$/m.test(this.out)) resolve();
      });
      this.child.once('exit', (code, signal) =>
        reject(
          new Error(`worker ${this.pid} exited before it was ready (${signal ?? code}):\n${this.tail()}`),
        ),
      );
    });
    this.ready.catch(() => {});
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  get output(): string {
    return this.out;
  }

  tail(lines = 30): string {
    return this.out.trimEnd().split('\n').slice(-lines).join('\n');
  }

  /** Signals the process and resolves with its exit code (null when a signal ended it). */
  stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (!this.alive) return Promise.resolve(this.child.exitCode);
    const exited = new Promise<number | null>((resolve) => this.child.once('exit', (code) => resolve(code)));
    this.child.kill(signal);
    return exited;
  }
}

describe('processes ride out PostgreSQL restarts', () => {
  const pg = new ThrowawayPostgres();
  const workers: WorkerProcess[] = [];
  let gateDir: string;
  let conn: BenchConnection;
  let apiDb: Db;
  let app: App;
  let worker: WorkerProcess;
  /** Every job this file dispatched, for the totals by status. */
  const dispatched: string[] = [];

  const describeState = () =>
    workers.map((w) => `--- worker ${w.pid} (alive: ${w.alive}):\n${w.tail()}`).join('\n') +
    `\n--- PostgreSQL (running: ${pg.running}):\n${pg.log}`;

  /** Polls `check` until it returns something truthy; fails (never hangs) after `timeoutMs`. */
  async function until<T>(
    what: string,
    check: () => T | Promise<T>,
    timeoutMs = 60_000,
  ): Promise<NonNullable<T>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await check();
      if (value) return value as NonNullable<T>;
      if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}\n${describeState()}`);
      await sleep(50);
    }
  }

  function spawnWorker(): WorkerProcess {
    const env: NodeJS.ProcessEnv = { ...process.env };
    // Nothing shared with the machine's services, and the defaults for the waits under test.
    for (const name of [
      'REDIS_URL',
      'CACHE_STORE',
      'CRONTAB_FILE',
      'SMTP_URL',
      'AI_ENDPOINT_URL',
      'DATABASE_WAIT_MS',
      'WORKER_RESCUE_AFTER_MS',
    ]) {
      delete env[name];
    }
    const started = new WorkerProcess({
      ...env,
      DATABASE_URL: pg.url,
      TENANTRY_ADMIN_KEY: ADMIN_KEY,
      DATA_DIR: path.join(gateDir, 'data'),
      GATE_DIR: gateDir,
      LOG_LEVEL: 'warn',
      WORKER_CONCURRENCY: '8',
      SHUTDOWN_TIMEOUT_MS: '2000',
      // The chaos tasks record to the database; failure alerts would only add noise.
      FAILED_JOBS_ALERT_THRESHOLD: '1000000',
    });
    workers.push(started);
    return started;
  }

  async function whenReady(w: WorkerProcess): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`worker ${w.pid} not ready\n${describeState()}`)), 60_000);
    });
    try {
      await Promise.race([w.ready, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  const gateFile = (gate: string, suffix: 'started' | 'open' | 'done') =>
    path.join(gateDir, `${gate}.${suffix}`);

  /** POST /api/jobs through the in-process API: the ids of the accepted jobs. */
  async function dispatch(specs: JobSpec[]): Promise<string[]> {
    const res = await app.inject({
      method: 'POST',
      url: '/api/jobs',
      headers: bearer(ADMIN_KEY),
      payload: specs,
    });
    expect(res.statusCode, res.body).toBe(202);
    const ids = (res.json() as Array<{ id: string }>).map((job) => job.id);
    expect(ids).toHaveLength(specs.length);
    dispatched.push(...ids);
    return ids;
  }

  const quickJobs = (count: number): JobSpec[] =>
    Array.from({ length: count }, (_, i) => ({
      task: 'chaos-quick',
      tenant: TENANTS[i % TENANTS.length]!,
      payload: {},
    }));

  async function expectUnavailable(): Promise<void> {
    const requests = [
      ['GET', '/api/job-logs?page_size=5', undefined],
      ['GET', '/api/tenants', undefined],
      ['POST', '/api/jobs', { task: 'chaos-quick', tenant: TENANTS[0], payload: {} }],
    ] as const;
    for (const [method, url, payload] of requests) {
      const res = await app.inject({ method, url, headers: bearer(ADMIN_KEY), payload });
      expect(res.statusCode, `${method} ${url} while PostgreSQL is down: ${res.body}`).toBe(503);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    }
  }

  async function expectAvailable(): Promise<void> {
    for (const url of ['/api/job-logs?page_size=5', '/api/tenants']) {
      const res = await app.inject({ method: 'GET', url, headers: bearer(ADMIN_KEY) });
      expect(res.statusCode, `GET ${url} after the restart: ${res.body}`).toBe(200);
    }
  }

  /** Resolves once every job in `ids` has a terminal log; then their counts by status. */
  async function terminal(ids: string[]) {
    return until(
      `${ids.length} job logs to be terminal`,
      async () => {
        const counts = await jobCounts(conn.db, ids).catch(() => undefined);
        return counts && counts.terminal === ids.length ? counts : undefined;
      },
      90_000,
    );
  }

  /** The pids of the workers that completed these jobs, from the tasks' own records. */
  async function completedBy(ids: string[]): Promise<number[]> {
    const { rows } = await sql<{ pid: number }>`
      SELECT DISTINCT worker_pid AS pid FROM chaos_runs
      WHERE outcome = 'completed' AND job_log_id = ANY(${ids}::bigint[]) ORDER BY 1`.execute(conn.db);
    return rows.map((r) => r.pid);
  }

  /** Every job log in the database, counted by status. */
  async function logsByStatus(): Promise<Record<string, number>> {
    const { rows } = await sql<{ status: string; n: number }>`
      SELECT status, count(*)::int AS n FROM tenantry.job_logs GROUP BY status`.execute(conn.db);
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  }

  beforeAll(async () => {
    gateDir = mkdtempSync(path.join(os.tmpdir(), 'tenantry-restart-'));
    await pg.start();
    conn = benchConnection(pg.url);
    await prepareDatabase(conn, TENANTS);
    apiDb = createDb(createPool({ connectionString: pg.url, max: 4, applicationName: 'tenantry-test-api' }));
    app = await buildTestApp(apiDb, {}, registry.with(restartTasks));
    worker = spawnWorker();
    await whenReady(worker);
  }, 120_000);

  afterAll(async () => {
    // Workers first: with the server gone they would wait for it.
    await Promise.all(workers.map((w) => w.stop('SIGKILL').catch(() => {})));
    await app?.close().catch(() => {});
    await apiDb?.destroy().catch(() => {});
    await conn?.close().catch(() => {});
    await pg.destroy();
    if (gateDir) rmSync(gateDir, { recursive: true, force: true });
  }, 60_000);

  /** The graphile-worker job a tenant job is admitted as (its lane row names it). */
  async function graphileJobId(logId: string): Promise<string> {
    const { rows } = await sql<{ job_id: string }>`
      SELECT job_id FROM tenantry.lane_jobs WHERE log_id = ${logId} AND job_id IS NOT NULL`.execute(conn.db);
    return rows[0]!.job_id;
  }

  /**
   * Jobs in flight when the server goes down: two gated jobs (held until the server is down,
   * then finishing during the outage, one after the other, without touching the database), a
   * slow job in each of four other tenants, and quick jobs in every tenant, queued behind them.
   */
  async function rideOut(mode: StopMode): Promise<void> {
    await pg.start(); // a no-op unless an earlier test failed with the server down
    const gates = [`${mode}-a`, `${mode}-b`];
    const slowTenants = TENANTS.slice(1, 5);
    const logFrom = worker.output.length;
    const ids = await dispatch([
      { task: 'gated', tenant: TENANTS[0]!, payload: { gate: gates[0] } },
      { task: 'gated', tenant: TENANTS[5]!, payload: { gate: gates[1] } },
      ...slowTenants.map((tenant) => ({ task: 'chaos-slow', tenant, payload: { ms: 1500 } })),
      ...quickJobs(36),
    ]);
    const gatedIds = ids.slice(0, 2);
    const slowIds = ids.slice(2, 2 + slowTenants.length);
    await until('the gated jobs and a slow job to be running', async () => {
      if (!gates.every((gate) => existsSync(gateFile(gate, 'started')))) return false;
      const { rows } = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM chaos_runs WHERE job_log_id = ANY(${slowIds}::bigint[])`.execute(
        conn.db,
      );
      return rows[0]!.n > 0;
    });
    const firstGateJob = await graphileJobId(gatedIds[0]!);

    const downAt = Date.now();
    await (mode === 'immediate' ? pg.crash() : pg.stopFast());
    expect(pg.running).toBe(false);
    await expectUnavailable();
    // The gated jobs finish now, with the server down: their completions can only be kept. The
    // second finishes once graphile-worker failed to record the first, so its pool has failed
    // twice to record a completion (which once left a pool that never ended: see supervisor.ts).
    writeFileSync(gateFile(gates[0]!, 'open'), '');
    await until('the first gated job to finish', () => existsSync(gateFile(gates[0]!, 'done')));
    await until("graphile-worker's failure to record the first gated job's completion", () =>
      new RegExp(`Failed to complete jobs [^:]*'${firstGateJob}'`).test(worker.output),
    );
    writeFileSync(gateFile(gates[1]!, 'open'), '');
    await until('the second gated job to finish', () => existsSync(gateFile(gates[1]!, 'done')));
    // Down a while longer, so the slow jobs' ends fall in the outage too (not asserted on).
    await sleep(Math.max(0, downAt + 2_500 - Date.now()));
    expect(pg.running).toBe(false);
    expect(worker.alive, `the worker exited during the outage:\n${worker.tail()}`).toBe(true);
    await pg.start();

    await expectAvailable();
    const counts = await terminal(ids);
    expect(counts).toMatchObject({
      dispatched: ids.length,
      terminal: ids.length,
      completed: ids.length,
      failed: 0,
      cancelled: 0,
      lost: 0,
      waiting: 0,
    });

    // The completions that happened during the outage were recorded by the worker once the
    // server was back: each handler's own result, on its first and only attempt (not run again,
    // nor closed by the orphan sweep, which records no result).
    for (const [i, gate] of gates.entries()) {
      const log = await conn.db
        .selectFrom('tenantry.job_logs')
        .selectAll()
        .where('id', '=', gatedIds[i]!)
        .executeTakeFirstOrThrow();
      expect(log, gate).toMatchObject({
        status: 'completed',
        attempts: 1,
        progress: 100,
        error_message: null,
      });
      expect(log.result).toEqual({ gate, attempt: 1 });
      expect(readFileSync(gateFile(gate, 'started'), 'utf8')).toBe('1\n');
    }

    // The same process, never restarted, takes the jobs dispatched after the restart. It got
    // there by itself, not through the watchdog that restarts a job loop stalled for 30 s.
    expect(worker.alive, worker.tail()).toBe(true);
    expect(worker.child.pid).toBe(worker.pid);
    const afterIds = await dispatch(quickJobs(12));
    expect(await terminal(afterIds)).toMatchObject({ completed: afterIds.length, failed: 0 });
    expect(await completedBy(afterIds)).toEqual([worker.pid]);
    expect(worker.alive, worker.tail()).toBe(true);
    const stalled = worker.output.slice(logFrom).includes('"failure":"loop stalled"');
    expect(stalled, 'the worker recovered only through its stall watchdog').toBe(false);

    // No job lost or stuck anywhere, and none completed twice.
    expect(await logsByStatus()).toEqual({ completed: dispatched.length });
    expect((await executions(conn.db)).duplicated).toBe(0);
  }

  it('recovers from an immediate shutdown (crash) with jobs in flight', async () => {
    await rideOut('immediate');
  }, 120_000);

  it('recovers from a fast shutdown with jobs in flight', async () => {
    await rideOut('fast');
  }, 120_000);

  it('has a worker started while PostgreSQL is down wait for it, then run the queued jobs', async () => {
    await pg.start();
    // The first worker leaves cleanly, so only the new one can run what follows.
    expect(await worker.stop('SIGTERM'), worker.tail()).toBe(0);
    const queued = await dispatch(quickJobs(12));

    await pg.stopFast();
    const late = spawnWorker();
    await until('the new worker to report it is waiting for PostgreSQL', () =>
      late.output.includes('PostgreSQL is not answering; waiting for it'),
    );
    expect(late.alive, late.tail()).toBe(true);
    expect(late.output).not.toMatch(/^ready$/m);
    await expectUnavailable();

    await pg.start();
    await whenReady(late);
    expect(await terminal(queued)).toMatchObject({ completed: queued.length, failed: 0, lost: 0 });
    expect(await completedBy(queued)).toEqual([late.pid]);
    expect(late.alive, late.tail()).toBe(true);
    expect(await logsByStatus()).toEqual({ completed: dispatched.length });
  }, 120_000);
});
