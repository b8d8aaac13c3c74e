import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rateStartDelay } from '../../src/jobs/rate-gate.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { insertTenants } from '../helpers/tenants.ts';

/**
 * The sliding-window rate limit's start gate (rate_start(), migrations/0011), driven with
 * explicit start times: whatever order starts arrive in, the starts it lets through never
 * exceed the limit in any window of one period.
 */
describe('rate limit start gate', () => {
  let tdb: TestDatabase;
  const PERIOD = 1000;

  const lane = async (id: string, limit: number | null) => {
    await insertTenants(tdb.db, [id], 50);
    if (limit !== null) {
      await sql`INSERT INTO tenantry.tenant_limits (tenant_id, rate_limit, rate_period_ms)
                VALUES (${id}, ${limit}, ${PERIOD})`.execute(tdb.db);
    }
    await sql`SELECT tenantry.ensure_lanes(ARRAY[${id}]::text[], ARRAY['default'])`.execute(tdb.db);
    return `tenant_${id}_default`;
  };
  const gate = (name: string, at: number) => rateStartDelay(tdb.db, name, new Date(at));

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
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
    // The first start's slice (1/16 of the period) ends within 62 ms of it.
    expect(wait).toBeGreaterThanOrEqual(100);
    expect(wait).toBeLessThanOrEqual(100 + 62);
    expect(await gate(name, t0 + 900 + wait)).toBe(0);
  });

  it('gives back one admission for each start it holds back', async () => {
    const name = await lane('gate-b', 1);
    const t0 = 1_800_000_100_000;
    await sql`UPDATE tenantry.lanes SET rate_ends = ARRAY[${t0 + 10}::bigint], rate_counts = '{2}'
              WHERE name = ${name}`.execute(tdb.db);
    expect(await gate(name, t0)).toBe(0);
    expect(await gate(name, t0 + 1)).toBeGreaterThan(0);
    const { rows } = await sql<{ counts: number[] }>`
      SELECT rate_counts AS counts FROM tenantry.lanes WHERE name = ${name}`.execute(tdb.db);
    expect(rows[0]!.counts).toEqual([1]);
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

  it('tells the admission tick when a full window frees room, and nothing when none waits', async () => {
    const refillIn = async () =>
      (await sql<{ ms: string | null }>`SELECT tenantry.rate_refill_in() AS ms`.execute(tdb.db)).rows[0]!.ms;
    await sql`UPDATE tenantry.lanes SET due = NULL`.execute(tdb.db);
    expect(await refillIn()).toBeNull();
    const name = await lane('gate-e', 2);
    // Two admissions 200 ms ago fill the window of a lane with a due job.
    await sql`UPDATE tenantry.lanes SET due = now(), rate_counts = '{2}',
                rate_ends = ARRAY[(extract(epoch FROM clock_timestamp()) * 1000)::bigint - 200]
              WHERE name = ${name}`.execute(tdb.db);
    const ms = Number(await refillIn());
    expect(ms).toBeGreaterThan(700);
    expect(ms).toBeLessThanOrEqual(800);
  });

  it('lets every start of a lane without a limit through', async () => {
    const name = await lane('gate-d', null);
    for (let i = 0; i < 10; i++) expect(await gate(name, 1_800_000_300_000)).toBe(0);
  });
});
