import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { JobMetrics } from '../../src/jobs/metrics.ts';
import { createLogger } from '../../src/logger.ts';
import {
  AdmissionDepth,
  LATE_START_HOLD_MS,
  LATE_START_ROUNDS,
  LATE_STARTS_PER_SLOT,
} from '../../src/worker/admission-depth.ts';
import { Heartbeat } from '../../src/worker/heartbeat.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';

/** A worker's admission depth drops while rate-limited starts crowd past their charge. */
describe('admission depth', () => {
  it('lowers the depth once late starts crowd within a second, for the hold, then restores it', () => {
    let now = 1_000_000;
    const depth = new AdmissionDepth(10, 20, () => now);
    expect([depth.full, depth.reduced]).toEqual([200, 10 * LATE_START_ROUNDS]);
    const threshold = 10 * LATE_STARTS_PER_SLOT;
    for (let i = 1; i < threshold; i++) expect(depth.late()).toBe(false);
    expect(depth.current()).toBe(200);
    expect(depth.late()).toBe(true);
    expect(depth.current()).toBe(depth.reduced);
    // Already lowered: more late starts renew the hold without lowering again.
    now += LATE_START_HOLD_MS - 1;
    expect(depth.late()).toBe(false);
    expect(depth.current()).toBe(depth.reduced);
    now += LATE_START_HOLD_MS;
    expect(depth.current()).toBe(200);
  });

  it('says so when the depth drops and again when the hold ends, not before', () => {
    vi.useFakeTimers();
    try {
      const seen: number[] = [];
      const depth: AdmissionDepth = new AdmissionDepth(10, 20, Date.now, () => seen.push(depth.current()));
      for (let i = 0; i < 10 * LATE_STARTS_PER_SLOT; i++) depth.late();
      expect(seen).toEqual([depth.reduced]);
      // Late starts crowding on renew the hold: nothing to say yet.
      vi.advanceTimersByTime(LATE_START_HOLD_MS - 1);
      for (let i = 0; i < 10 * LATE_STARTS_PER_SLOT; i++) depth.late();
      vi.advanceTimersByTime(LATE_START_HOLD_MS - 1);
      expect(seen).toEqual([depth.reduced]);
      vi.advanceTimersByTime(2);
      expect(seen).toEqual([depth.reduced, depth.full]);
      // Stopped: a hold started before the stop ends silently.
      for (let i = 0; i < 10 * LATE_STARTS_PER_SLOT; i++) depth.late();
      depth.stop();
      vi.advanceTimersByTime(2 * LATE_START_HOLD_MS);
      expect(seen).toEqual([depth.reduced, depth.full, depth.reduced]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('counts late starts per second: a few each second never lower it', () => {
    let now = 0;
    const depth = new AdmissionDepth(10, 20, () => now);
    for (let second = 0; second < 5; second++) {
      now = second * 1000 + 1000;
      for (let i = 0; i < 10 * LATE_STARTS_PER_SLOT - 1; i++) expect(depth.late()).toBe(false);
    }
    expect(depth.current()).toBe(200);
  });

  it('has nothing to lower when the buffer is already shallow', () => {
    const depth = new AdmissionDepth(4, LATE_START_ROUNDS);
    expect(depth.reduced).toBe(depth.full);
    for (let i = 0; i < 4 * LATE_STARTS_PER_SLOT * 2; i++) expect(depth.late()).toBe(false);
  });
});

describe('heartbeat admission slots', () => {
  let tdb: TestDatabase;
  beforeAll(async () => {
    tdb = await cloneTestDatabase();
  });
  afterAll(async () => {
    await tdb.close();
  });

  it('publishes the current slots at once between beats, and with each beat', async () => {
    let slots = 200;
    const heartbeat = new Heartbeat({
      db: tdb.db,
      logger: createLogger('silent', false),
      workerId: 'depth-worker',
      concurrency: 10,
      admissionSlots: () => slots,
      filter: {},
      metrics: new JobMetrics(),
      rescueAfterMs: 60_000,
      healthy: () => true,
    });
    const published = async () =>
      (
        await tdb.db
          .selectFrom('tenantry.workers')
          .select('admission_slots')
          .where('id', '=', 'depth-worker')
          .executeTakeFirstOrThrow()
      ).admission_slots;
    await heartbeat.start();
    try {
      expect(await published()).toBe(200);
      slots = 80;
      await heartbeat.publishSlots();
      expect(await published()).toBe(80);
      // A beat over the existing row (here the first beat of a restart) writes them too.
      await heartbeat.stop(false);
      slots = 120;
      await heartbeat.start();
      expect(await published()).toBe(120);
    } finally {
      await heartbeat.stop();
    }
  });
});
