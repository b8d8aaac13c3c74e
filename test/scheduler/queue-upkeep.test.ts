import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vacuumQueueTables } from '../../src/db/graphile-private.ts';
import { dispatchJobs } from '../../src/jobs/dispatch.ts';
import { createLogger } from '../../src/logger.ts';
import { registry } from '../../src/tasks/index.ts';
import { AdmissionTick, UPKEEP_MIN_DEAD_ROWS } from '../../src/worker/admission-tick.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';

/**
 * Upkeep of the queue tables (migrations/0016): one worker of the cluster at a time vacuums
 * them, at most once per QUEUE_UPKEEP_MS, and only while they hold dead rows.
 */
describe('queue upkeep', () => {
  let tdb: TestDatabase;
  const claim = async (everyMs: number, minDead: number) =>
    (
      await sql<{ c: boolean }>`SELECT tenantry.claim_upkeep(${everyMs}::int, ${minDead}::int) AS c`.execute(
        tdb.db,
      )
    ).rows[0]!.c;
  const deadRows = async () =>
    Number((await sql<{ n: string }>`SELECT tenantry.queue_dead_rows() AS n`.execute(tdb.db)).rows[0]!.n);
  const vacuums = async () =>
    Number(
      (
        await sql<{ n: string }>`
          SELECT vacuum_count AS n FROM pg_stat_all_tables
          WHERE relid = 'tenantry.lane_jobs'::regclass`.execute(tdb.db)
      ).rows[0]!.n,
    );
  /** Leaves `n` dead lane_jobs rows behind and makes the statistics count them now. */
  const churn = async (n: number) => {
    await dispatchJobs(
      tdb.db,
      registry,
      Array.from({ length: n }, () => ({
        task: 'queue-gc',
        payload: {},
        tenant: 'busy',
        runAt: new Date(Date.now() + 3_600_000),
      })),
    );
    const client = await tdb.pool.connect();
    try {
      await client.query('UPDATE tenantry.lane_jobs SET attempts = attempts');
      await client.query('SELECT pg_stat_force_next_flush()');
      await client.query('SELECT 1');
    } finally {
      client.release();
    }
  };

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    await sql`INSERT INTO tenantry.tenants (id, name) VALUES ('busy', 'busy')`.execute(tdb.db);
  });
  afterAll(async () => {
    await tdb.close();
  });

  it('is claimed only with enough dead rows, once per interval, never when switched off', async () => {
    const dead = await deadRows();
    expect(await claim(60_000, dead + 1_000_000)).toBe(false);
    expect(await claim(0, 0)).toBe(false);
    expect(await claim(60_000, 0)).toBe(true);
    expect(await claim(60_000, 0)).toBe(false);
    await sleep(20);
    expect(await claim(10, 0)).toBe(true);
  });

  it('gives the claim to one caller while another holds it, without waiting', async () => {
    await sql`UPDATE tenantry.queue_upkeep SET last_at = '-infinity'`.execute(tdb.db);
    const holder = await tdb.pool.connect();
    try {
      await holder.query('BEGIN');
      const first = await holder.query<{ c: boolean }>('SELECT tenantry.claim_upkeep(1, 0) AS c');
      expect(first.rows[0]!.c).toBe(true);
      // The holder's transaction is open: a second worker gets false at once.
      expect(await claim(1, 0)).toBe(false);
      await holder.query('COMMIT');
    } finally {
      holder.release();
    }
  }, 10_000);

  it('vacuums the queue tables: their dead rows are gone', async () => {
    await churn(UPKEEP_MIN_DEAD_ROWS + 200);
    expect(await deadRows()).toBeGreaterThanOrEqual(UPKEEP_MIN_DEAD_ROWS);
    const before = await vacuums();
    await vacuumQueueTables(tdb.pool);
    expect(await vacuums()).toBe(before + 1);
    expect(await deadRows()).toBeLessThan(UPKEEP_MIN_DEAD_ROWS);
  });

  it("runs from the worker's admission tick once the tables hold enough dead rows", async () => {
    await churn(UPKEEP_MIN_DEAD_ROWS + 200);
    await sql`UPDATE tenantry.queue_upkeep SET last_at = '-infinity'`.execute(tdb.db);
    const before = await vacuums();
    const tick = new AdmissionTick({
      pool: tdb.pool,
      upkeepPool: tdb.pool,
      logger: createLogger('silent', false),
      slots: () => 0,
      tickMs: 20,
      reconcileMs: 3_600_000,
      upkeepMs: 1,
    });
    tick.start();
    try {
      const deadline = Date.now() + 10_000;
      while ((await vacuums()) === before && Date.now() < deadline) await sleep(20);
    } finally {
      tick.stop();
    }
    expect(await vacuums()).toBeGreaterThan(before);
    expect(await deadRows()).toBeLessThan(UPKEEP_MIN_DEAD_ROWS);
  }, 20_000);
});
