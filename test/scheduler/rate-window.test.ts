import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DispatchSpec, dispatchJobs } from '../../src/jobs/dispatch.ts';
import { StartGate } from '../../src/jobs/rate-gate.ts';
import { registry } from '../../src/tasks/index.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { insertTenants } from '../helpers/tenants.ts';

/**
 * The sliding-window rate limit's start gate (rate_start(), migrations/0011, 0024 and 0025), driven
 * with explicit start times: whatever order starts arrive in, the starts it lets through never
 * exceed the limit in any window of one period, all the tenant's queues counted together.
 */
describe('rate limit start gate', () => {
  let tdb: TestDatabase;
  const PERIOD = 1000;
  // A window counts back its period and the grace (rate_grace_ms(), migrations/0025): a slice of
  // the period, at most 100 ms. Times until a window frees are that much later than the period.
  const GRACE = Math.min(Math.floor(PERIOD / 16), 100);

  const lane = async (id: string, limit: number | null, queue = 'default') => {
    const known = await sql`SELECT 1 FROM tenantry.tenants WHERE id = ${id}`.execute(tdb.db);
    if (known.rows.length === 0) await insertTenants(tdb.db, [id], 50);
    if (limit !== null) {
      await sql`INSERT INTO tenantry.tenant_limits (tenant_id, rate_limit, rate_period_ms)
                VALUES (${id}, ${limit}, ${PERIOD}) ON CONFLICT (tenant_id) DO NOTHING`.execute(tdb.db);
    }
    await sql`SELECT tenantry.ensure_lanes(ARRAY[${id}]::text[], ARRAY[${queue}])`.execute(tdb.db);
    return `tenant_${id}_${queue}`;
  };
  const nowMs = async () =>
    Number(
      (
        await sql<{
          ms: string;
        }>`SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint AS ms`.execute(tdb.db)
      ).rows[0]!.ms,
    );
  let starts: StartGate;
  const gate = (name: string, at: number, admittedMs?: number) =>
    starts.delay(name, new Date(at), admittedMs);
  // A window's charges as the scheduler keeps them (rate_windows, migrations/0025).
  const setWindow = (tenant: string, scope: string, ends: number[], counts: number[]) =>
    sql`INSERT INTO tenantry.rate_windows (tenant_id, scope, ends, counts)
        VALUES (${tenant}, ${scope}, ${ends}::bigint[], ${counts}::int[])
        ON CONFLICT (tenant_id, scope) DO UPDATE SET ends = excluded.ends, counts = excluded.counts`.execute(
      tdb.db,
    );
  const windowOf = async (tenant: string, scope = '') => {
    const { rows } = await sql<{ ends: string[]; counts: number[] }>`
      SELECT ends, counts FROM tenantry.rate_windows WHERE tenant_id = ${tenant} AND scope = ${scope}`.execute(
      tdb.db,
    );
    return { ends: rows[0]!.ends.map(Number), counts: rows[0]!.counts };
  };
  const queueLimit = (tenant: string, queue: string, limit: number, periodMs = PERIOD) =>
    sql`INSERT INTO tenantry.queue_limits (tenant_id, queue, rate_limit, rate_period_ms)
        VALUES (${tenant}, ${queue}, ${limit}, ${periodMs})`.execute(tdb.db);

  // The end of the slice (1/16 of the period, in whole ms) that holds `at`.
  const sliceEnd = (at: number) => (Math.floor(at / Math.floor(PERIOD / 16)) + 1) * Math.floor(PERIOD / 16);

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    starts = new StartGate(tdb.pool);
  });
  afterAll(async () => {
    await tdb.close();
  });

  it('lets the limit through, then says how long until the oldest start leaves the window', async () => {
    const name = await lane('gate-a', 3);
    const t0 = 1_800_000_000_000;
    expect(await gate(name, t0)).toBe(0);
    expect(await gate(name, t0 + 100)).toBe(0);
    expect(await gate(name, t0 + 200)).toBe(0);
    const wait = await gate(name, t0 + 900);
    // The first start's slice (1/16 of the period) ends within 62 ms of it; the window counts the grace on top.
    expect(wait).toBeGreaterThanOrEqual(100 + GRACE);
    expect(wait).toBeLessThanOrEqual(100 + 62 + GRACE);
    expect(await gate(name, t0 + 900 + wait)).toBe(0);
  });

  it("moves a late start's charge to its own slice, and gives it back when the window has no room", async () => {
    const name = await lane('gate-b', 2);
    const t0 = 1_800_000_100_000;
    // Job A admitted at t0; two jobs admitted at t0 + 500 (started in their slice).
    await setWindow('gate-b', '', [sliceEnd(t0), sliceEnd(t0 + 500)], [1, 2]);
    // A starts more than a period later: its charge comes off, but the window it starts in holds
    // two: held back until those leave, its charge given back.
    const wait = await gate(name, t0 + 1100, t0);
    expect(wait).toBeGreaterThanOrEqual(400 + GRACE);
    expect(wait).toBeLessThanOrEqual(400 + 62 + GRACE);
    expect(await windowOf('gate-b')).toEqual({ ends: [sliceEnd(t0), sliceEnd(t0 + 500)], counts: [0, 2] });
    // One of the t0 + 500 jobs starts late, at t0 + 1200: its charge moves to that slice.
    expect(await gate(name, t0 + 1200, t0 + 500)).toBe(0);
    expect(await windowOf('gate-b')).toEqual({
      ends: [sliceEnd(t0), sliceEnd(t0 + 500), sliceEnd(t0 + 1200)],
      counts: [0, 1, 1],
    });
    // A start with no known charge (admitted before 0025) is charged on top: the window is full.
    expect(await gate(name, t0 + 1300)).toBeGreaterThan(0);
    expect((await windowOf('gate-b')).counts).toEqual([0, 1, 1]);
  });

  it('never lets more than the limit start in any sliding period, even with starts out of order', async () => {
    const name = await lane('gate-c', 5);
    // Attempts every ~40 ms for 6 s, jittered by up to 80 ms, so neighbours arrive out of order (seeded).
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const t0 = 1_800_000_200_000;
    const attempts = Array.from({ length: 150 }, (_, i) => t0 + i * 40 + Math.floor(random() * 80));
    expect(attempts.some((at, i) => i > 0 && at < attempts[i - 1]!)).toBe(true);
    const started: number[] = [];
    for (const at of attempts) if ((await gate(name, at)) === 0) started.push(at);
    started.sort((a, b) => a - b);
    let most = 0;
    for (let i = 0, j = 0; i < started.length; i++) {
      while (started[j]! <= started[i]! - PERIOD) j++;
      most = Math.max(most, i - j + 1);
    }
    expect(most).toBe(5);
    // Work-conserving enough: at least 4 of the 5 a period over the 6 s.
    expect(started.length).toBeGreaterThanOrEqual(24);
  });

  const refillIn = async () =>
    (await sql<{ ms: string | null }>`SELECT tenantry.rate_refill_in() AS ms`.execute(tdb.db)).rows[0]!.ms;
  // An admission pass with room for `room` jobs less those already queued in graphile-worker (no
  // worker in these tests: the budget is the room).
  const admit = async (room: number) =>
    (await sql<{ n: number }>`SELECT tenantry.admit(${room}::int) AS n`.execute(tdb.db)).rows[0]!.n;
  const blockedUntil = async (name: string) =>
    (
      await sql<{ until: string | null }>`
        SELECT rate_blocked_until AS until FROM tenantry.lanes WHERE name = ${name}`.execute(tdb.db)
    ).rows[0]!.until;

  it('tells the admission tick when a full window frees room, and nothing when none waits', async () => {
    await sql`UPDATE tenantry.lanes SET due = NULL`.execute(tdb.db);
    expect(await refillIn()).toBeNull();
    const name = await lane('gate-e', 2);
    // Two admissions 200 ms ago fill the window of a lane with a due job; the pass that picks
    // it admits nothing and sets it aside until they leave the window.
    await setWindow('gate-e', '', [(await nowMs()) - 200], [2]);
    await sql`UPDATE tenantry.lanes SET due = now() WHERE name = ${name}`.execute(tdb.db);
    expect(await admit(1000)).toBe(0);
    expect(await blockedUntil(name)).not.toBeNull();
    const ms = Number(await refillIn());
    expect(ms).toBeGreaterThan(650 + GRACE);
    expect(ms).toBeLessThanOrEqual(800 + GRACE);
    // Nothing waits once the lane has no due job.
    await sql`UPDATE tenantry.lanes SET due = NULL WHERE name = ${name}`.execute(tdb.db);
    expect(await refillIn()).toBeNull();
  });

  it('picks a full lane once, then passes it by until its window frees or its limit changes', async () => {
    await sql`UPDATE tenantry.lanes SET due = NULL`.execute(tdb.db);
    const full = await lane('gate-s', 2);
    await insertTenants(tdb.db, ['gate-s-free'], 50);
    await dispatchJobs(tdb.db, registry, [{ task: 'queue-gc', payload: {}, tenant: 'gate-s-free' }]);
    const free = 'tenant_gate-s-free_default';
    // The full lane is first in virtual time, so a pass with room for one picks it.
    await setWindow('gate-s', '', [await nowMs()], [2]);
    await sql`UPDATE tenantry.lanes SET due = now(), vtime = -1e9 WHERE name = ${full}`.execute(tdb.db);
    expect(await admit(1)).toBe(0);
    expect(await blockedUntil(full)).not.toBeNull();
    // Set aside, it no longer takes the pass's pick: the other lane's job is admitted.
    expect(await admit(1)).toBe(1);
    expect(await blockedUntil(free)).toBeNull();
    // A raised limit reaches it at once, not when the old window would have freed.
    await sql`UPDATE tenantry.tenant_limits SET rate_limit = 10 WHERE tenant_id = 'gate-s'`.execute(tdb.db);
    expect(await blockedUntil(full)).toBeNull();
    expect(await refillIn()).toBeNull();
  });

  it("counts the starts of all the tenant's queues against its one limit", async () => {
    const a = await lane('gate-f', 3, 'emails');
    const b = await lane('gate-f', 3, 'reports');
    const t0 = 1_800_000_400_000;
    expect(await gate(a, t0)).toBe(0);
    expect(await gate(b, t0 + 100)).toBe(0);
    expect(await gate(a, t0 + 200)).toBe(0);
    // A fourth start in the same period, from either queue, waits for the first to leave.
    const wait = await gate(b, t0 + 300);
    expect(wait).toBeGreaterThanOrEqual(700 + GRACE);
    expect(wait).toBeLessThanOrEqual(700 + 62 + GRACE);
    expect(await gate(a, t0 + 300 + wait)).toBe(0);
    // Another tenant's lane is not held back by it.
    expect(await gate(await lane('gate-g', 3, 'emails'), t0 + 300)).toBe(0);
  });

  it("admits a tenant's queues together up to its limit in one pass", async () => {
    await sql`UPDATE tenantry.lanes SET due = NULL`.execute(tdb.db);
    await insertTenants(tdb.db, ['adm-r', 'adm-free'], 50);
    await sql`INSERT INTO tenantry.tenant_limits (tenant_id, rate_limit, rate_period_ms)
              VALUES ('adm-r', 4, 60000)`.execute(tdb.db);
    const specs = ['adm-r', 'adm-free'].flatMap((tenant) =>
      ['one', 'two'].flatMap((queue) =>
        Array.from({ length: 5 }, (): DispatchSpec => ({ task: 'queue-gc', payload: {}, tenant, queue })),
      ),
    );
    await dispatchJobs(tdb.db, registry, specs);
    const admitted = async () =>
      (
        await sql<{ tenant: string; n: number }>`
          SELECT l.tenant_id AS tenant, count(*)::int AS n FROM tenantry.lane_jobs j
          JOIN tenantry.lanes l ON l.name = j.lane
          WHERE j.job_id IS NOT NULL AND l.tenant_id IN ('adm-r', 'adm-free')
          GROUP BY 1 ORDER BY 1`.execute(tdb.db)
      ).rows;
    // No worker here: dispatch admitted nothing; one pass with room for all 20.
    expect(await admitted()).toEqual([]);
    await sql`SELECT tenantry.admit(100)`.execute(tdb.db);
    expect(await admitted()).toEqual([
      { tenant: 'adm-free', n: 10 },
      { tenant: 'adm-r', n: 4 },
    ]);
    // The window is full for both queues: another pass admits none of the rated tenant's jobs.
    await sql`SELECT tenantry.admit(100)`.execute(tdb.db);
    expect(await admitted()).toEqual([
      { tenant: 'adm-free', n: 10 },
      { tenant: 'adm-r', n: 4 },
    ]);
  });

  it('charges admissions to the window, and tells each job until when that charge stands for its start', async () => {
    await sql`UPDATE tenantry.lanes SET due = NULL`.execute(tdb.db);
    await insertTenants(tdb.db, ['adm-until'], 50);
    await sql`INSERT INTO tenantry.tenant_limits (tenant_id, rate_limit, rate_period_ms)
              VALUES ('adm-until', 10, 1000)`.execute(tdb.db);
    await queueLimit('adm-until', 'reports', 5, 60_000);
    await dispatchJobs(
      tdb.db,
      registry,
      ['reports', 'reports', 'emails'].map((queue) => ({
        task: 'queue-gc',
        payload: {},
        tenant: 'adm-until',
        queue,
      })),
    );
    const before = await nowMs();
    expect(await admit(1000)).toBe(3);
    const { rows } = await sql<{ queue: string; rated: boolean; at: string; until: string }>`
      SELECT payload->>'queue' AS queue, (payload->>'rated')::boolean AS rated, payload->>'rated_at' AS at,
             payload->>'rated_until' AS until
      FROM graphile_worker._private_jobs WHERE payload->>'tenant' = 'adm-until' ORDER BY 1`.execute(tdb.db);
    expect(rows).toHaveLength(3);
    for (const row of rows) {
      const at = Number(row.at);
      expect(row.rated).toBe(true);
      expect(at).toBeGreaterThanOrEqual(before);
      // The tenant's slice (62 ms of 1 s) ends first, even for the reports queue (3,750 ms of 1 min).
      expect(Number(row.until)).toBe(sliceEnd(at) + GRACE);
    }
    // One charge per admission: three in the tenant's window, two in the reports queue's.
    expect((await windowOf('adm-until')).counts).toEqual([3]);
    expect((await windowOf('adm-until', 'reports')).counts).toEqual([2]);
  });

  it('gives no room to a lane whose window another transaction holds, and keeps it due', async () => {
    await sql`UPDATE tenantry.lanes SET due = NULL`.execute(tdb.db);
    await insertTenants(tdb.db, ['adm-held'], 50);
    await sql`INSERT INTO tenantry.tenant_limits (tenant_id, rate_limit, rate_period_ms)
              VALUES ('adm-held', 10, 1000)`.execute(tdb.db);
    await setWindow('adm-held', '', [], []);
    await dispatchJobs(tdb.db, registry, [{ task: 'queue-gc', payload: {}, tenant: 'adm-held' }]);
    const holder = await tdb.pool.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(`SELECT 1 FROM tenantry.rate_windows WHERE tenant_id = 'adm-held' FOR UPDATE`);
      // The pass does not wait for it: it admits nothing now and does not set the lane aside.
      expect(await admit(1000)).toBe(0);
      expect(await blockedUntil('tenant_adm-held_default')).toBeNull();
      await holder.query('COMMIT');
    } finally {
      holder.release();
    }
    expect(await admit(1000)).toBe(1);
  });

  it('tells the tick when the oldest admission that still counts leaves, not one already out', async () => {
    await sql`UPDATE tenantry.lanes SET due = NULL`.execute(tdb.db);
    const name = await lane('gate-h', 2);
    const now = await nowMs();
    // Slices are kept two periods: one from 1.5 periods ago no longer counts; two admissions
    // 300 ms ago fill the window until they leave it, ~700 ms (and the grace) from now.
    await setWindow('gate-h', '', [now - 1500, now - 300], [1, 2]);
    await sql`UPDATE tenantry.lanes SET due = now() WHERE name = ${name}`.execute(tdb.db);
    expect(await admit(1000)).toBe(0);
    const ms = Number(await refillIn());
    expect(ms).toBeGreaterThan(550 + GRACE);
    expect(ms).toBeLessThanOrEqual(700 + GRACE);
  });

  it("holds one queue to its own limit, the tenant's other queues free", async () => {
    const reports = await lane('gate-q', null, 'reports');
    const emails = await lane('gate-q', null, 'emails');
    await queueLimit('gate-q', 'reports', 2);
    const t0 = 1_800_000_500_000;
    expect(await gate(reports, t0)).toBe(0);
    expect(await gate(reports, t0 + 100)).toBe(0);
    const wait = await gate(reports, t0 + 200);
    expect(wait).toBeGreaterThanOrEqual(800 + GRACE);
    expect(wait).toBeLessThanOrEqual(800 + 62 + GRACE);
    for (let i = 0; i < 5; i++) expect(await gate(emails, t0 + 200 + i)).toBe(0);
    expect(await gate(reports, t0 + 200 + wait)).toBe(0);
  });

  it("holds a start when either its queue's window or its tenant's is full", async () => {
    // Tenant 4 a period; its reports queue 2 of them (the queue limit set before the lane exists).
    await insertTenants(tdb.db, ['gate-qt'], 50);
    await queueLimit('gate-qt', 'reports', 2);
    const reports = await lane('gate-qt', 4, 'reports');
    const emails = await lane('gate-qt', 4, 'emails');
    const t0 = 1_800_000_600_000;
    expect(await gate(reports, t0)).toBe(0);
    expect(await gate(reports, t0 + 10)).toBe(0);
    expect(await gate(reports, t0 + 20)).toBeGreaterThan(0);
    expect(await gate(emails, t0 + 30)).toBe(0);
    expect(await gate(emails, t0 + 40)).toBe(0);
    // The tenant's four are used: emails waits too, for the first reports start to leave.
    const wait = await gate(emails, t0 + 50);
    expect(wait).toBeGreaterThanOrEqual(950 + GRACE);
    expect(wait).toBeLessThanOrEqual(950 + 62 + GRACE);
  });

  it("admits a queue with its own limit up to it, beside the tenant's other queues", async () => {
    await sql`UPDATE tenantry.lanes SET due = NULL`.execute(tdb.db);
    await insertTenants(tdb.db, ['adm-q'], 50);
    await queueLimit('adm-q', 'slow', 2, 60_000);
    await dispatchJobs(
      tdb.db,
      registry,
      ['slow', 'fast'].flatMap((queue) =>
        Array.from(
          { length: 5 },
          (): DispatchSpec => ({ task: 'queue-gc', payload: {}, tenant: 'adm-q', queue }),
        ),
      ),
    );
    await sql`SELECT tenantry.admit(100)`.execute(tdb.db);
    await sql`SELECT tenantry.admit(100)`.execute(tdb.db);
    const { rows } = await sql<{ queue: string; n: number }>`
      SELECT l.queue, count(*)::int AS n FROM tenantry.lane_jobs j JOIN tenantry.lanes l ON l.name = j.lane
      WHERE j.job_id IS NOT NULL AND l.tenant_id = 'adm-q' GROUP BY 1 ORDER BY 1`.execute(tdb.db);
    expect(rows).toEqual([
      { queue: 'fast', n: 5 },
      { queue: 'slow', n: 2 },
    ]);
    // The tick hears when the slow queue's window frees: a period after the end of the slice
    // (1/16 of the period) that holds the admissions.
    const ms = Number(await refillIn());
    expect(ms).toBeGreaterThan(55_000);
    expect(ms).toBeLessThanOrEqual(60_000 + 3750 + 100);
  });

  it('gates starts asked for together in one call, the limit held across them in any order', async () => {
    const a = await lane('gate-batch-a', 3, 'emails');
    const b = await lane('gate-batch-a', 3, 'reports');
    const other = await lane('gate-batch-b', 1);
    const t0 = 1_800_000_700_000;
    // One statement: five starts of one tenant over two queues, out of time order, beside another
    // tenant's two. Three of the first tenant's and one of the other's get through.
    const { rows } = await sql<{ waits: string[] }>`
      SELECT tenantry.rate_start_batch(
        ARRAY[${b}, ${a}, ${other}, ${a}, ${b}, ${other}, ${a}]::text[],
        ARRAY[${t0 + 40}, ${t0}, ${t0}, ${t0 + 10}, ${t0 + 20}, ${t0 + 5}, ${t0 + 30}]::bigint[],
        array_fill(NULL::bigint, ARRAY[7])) AS waits`.execute(tdb.db);
    const waits = rows[0]!.waits.map(Number);
    // Taken in (tenant, queue) order, then by time: the emails starts pass, the reports ones wait
    // for the first of them to leave the window (~1 s and the grace, to the end of its slice).
    expect([waits[1], waits[3], waits[6]]).toEqual([0, 0, 0]);
    for (const i of [0, 4]) {
      expect(waits[i]).toBeGreaterThan(900 + GRACE);
      expect(waits[i]).toBeLessThanOrEqual(1000 + 62 + GRACE);
    }
    expect(waits[2]).toBe(0);
    expect(waits[5]).toBeGreaterThan(0);
    // Through the worker's gate, starts asked for while a call is in flight go in the next one.
    const c = await lane('gate-batch-c', 2);
    const t1 = 1_800_000_800_000;
    const through = await Promise.all(Array.from({ length: 6 }, (_, i) => gate(c, t1 + i)));
    expect(through.filter((w) => w === 0)).toHaveLength(2);
  });

  it('lets every start of a lane without a limit through', async () => {
    const name = await lane('gate-d', null);
    for (let i = 0; i < 10; i++) expect(await gate(name, 1_800_000_300_000)).toBe(0);
  });
});
