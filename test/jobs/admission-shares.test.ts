import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdmissionShares } from '../../src/insights/admission-shares.ts';
import { dispatchJobs } from '../../src/jobs/dispatch.ts';
import { registry } from '../../src/tasks/index.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { createTenantWithSchema } from '../helpers/worker.ts';

/** Shares of admissions from baselines of lanes.admitted_total, on a clock the test moves. */
describe('AdmissionShares', () => {
  let tdb: TestDatabase;
  let now = 1_000_000;
  const admit = (lane: string, n: number) =>
    sql`UPDATE tenantry.lanes SET admitted_total = admitted_total + ${n} WHERE name = ${lane}`.execute(
      tdb.db,
    );

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    for (const id of ['acme', 'globex']) {
      await createTenantWithSchema(tdb, { id });
      await dispatchJobs(tdb.db, registry, [
        {
          task: 'send-notification',
          tenant: id,
          payload: { channel: 'sms', to: '+1', message: 'x' },
          delayMs: 3_600_000,
        },
      ]);
    }
  });
  afterAll(async () => {
    await tdb.close();
  });

  it('compares with the oldest baseline in the window, and starts over after it', async () => {
    const shares = new AdmissionShares({ windowMs: 300_000, everyMs: 60_000, clock: () => now });
    const [acme, globex] = ['tenant_acme_notifications', 'tenant_globex_notifications'];
    expect(await shares.observe(tdb.db)).toBeUndefined();

    now += 10_000;
    const idle = await shares.observe(tdb.db);
    expect(idle?.since).toEqual(new Date(1_000_000));
    expect(idle?.share(acme)).toBeNull();

    await admit(acme, 3);
    await admit(globex, 1);
    now += 60_000;
    const first = await shares.observe(tdb.db);
    expect([first?.share(acme), first?.share(globex), first?.share('tenant_nope_default')]).toEqual([
      0.75, 0.25, 0,
    ]);

    // Past the window the first baseline is dropped: the one taken a minute later counts.
    await admit(globex, 3);
    now += 250_000;
    const later = await shares.observe(tdb.db);
    expect(later?.since).toEqual(new Date(1_070_000));
    expect([later?.share(acme), later?.share(globex)]).toEqual([0, 1]);

    now += 10 * 60_000;
    expect(await shares.observe(tdb.db)).toBeUndefined();
  });
});
