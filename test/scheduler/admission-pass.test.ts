import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatchJobs } from '../../src/jobs/dispatch.ts';
import { registry } from '../../src/tasks/index.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { insertTenants } from '../helpers/tenants.ts';
import { finishAllAdmitted } from './lane-queries.ts';

/**
 * One admission pass admits exactly the fair rule's choice (docs/scheduler.md): the `room`
 * smallest virtual finish times (lane vtime + k / weight for its k-th job, ties by dispatch
 * order) among the lanes it picked (the `room` lanes of smallest vtime), with weights.
 */
describe('an admission pass', () => {
  let tdb: TestDatabase;
  const tenants = ['a', 'b', 'c', 'd', 'e', 'f'];

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    await insertTenants(tdb.db, tenants, 10);
    await sql`INSERT INTO tenantry.tenant_limits (tenant_id, weight) VALUES ('a', 4), ('c', 2)`.execute(
      tdb.db,
    );
  });
  afterAll(async () => {
    await tdb.close();
  });

  it('admits the smallest virtual finish times of the picked lanes, pass after pass', async () => {
    // The weighted lane's jobs come last, so ties in finish time go to the others.
    const order = ['b', 'c', 'd', 'e', 'f', 'a'];
    for (const tenant of order) {
      await dispatchJobs(
        tdb.db,
        registry,
        Array.from({ length: 6 }, () => ({ task: 'queue-gc', payload: {}, tenant })),
      );
    }
    // Distinct virtual times, so which lanes a pass picks (smallest vtime first) is determined.
    await sql`
      UPDATE tenantry.lanes l SET vtime = v.vtime
      FROM (VALUES ('b', 0.013), ('c', 0.101), ('d', 0.237), ('e', 0.311), ('f', 0.457), ('a', 0.05))
        AS v(tenant, vtime)
      WHERE l.tenant_id = v.tenant`.execute(tdb.db);
    for (const room of [4, 3, 5, 4]) {
      const { rows: lanes } = await sql<{ name: string; vtime: number; weight: number }>`
        SELECT name, vtime, weight FROM tenantry.lanes ORDER BY vtime, name`.execute(tdb.db);
      const { rows: waiting } = await sql<{ lane: string; log: string }>`
        SELECT lane, log_id::text AS log FROM tenantry.lane_jobs WHERE job_id IS NULL ORDER BY priority, log_id`.execute(
        tdb.db,
      );
      // The fair rule, computed here without any bound: the `room` lanes of smallest vtime,
      // each offering up to `room` jobs, and the `room` smallest finish times among them.
      const candidates = lanes.slice(0, room).flatMap((lane) =>
        waiting
          .filter((w) => w.lane === lane.name)
          .slice(0, room)
          .map((w, i) => ({ log: w.log, finish: lane.vtime + (i + 1) / lane.weight })),
      );
      candidates.sort((x, y) => x.finish - y.finish || Number(x.log) - Number(y.log));
      const expected = candidates.slice(0, room).map((c) => c.log);

      const before = new Set(waiting.map((w) => w.log));
      await sql`SELECT tenantry.try_admit(${room}::int)`.execute(tdb.db);
      const { rows: admitted } = await sql<{ log_id: string }>`
        SELECT log_id::text FROM tenantry.lane_jobs WHERE job_id IS NOT NULL`.execute(tdb.db);
      const now = admitted.map((r) => r.log_id).filter((id) => before.has(id));
      expect(now.sort()).toEqual([...expected].sort());
      // Out of graphile-worker again, so the next pass has the same room.
      await finishAllAdmitted(tdb.db);
    }
  });
});
