import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dispatchJobs } from '../../src/jobs/dispatch.ts';
import { registry } from '../../src/tasks/index.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { insertTenants } from '../helpers/tenants.ts';
import { admittedIn, finishAllAdmitted } from './lane-queries.ts';

/**
 * Admission passes side by side (migrations/0028): the pass holding the turn is bound by its
 * room only; a pass beside it admits only jobs within 10 of the lowest vtime of the lanes that
 * could take a job. Before, the pass beside filled the whole room from the lanes it could lock,
 * however far ahead. Passes are called by hand on connections of their own; no worker runs
 * (so dispatch admits nothing) and each test sets the lanes' virtual times it needs.
 */
describe('admission passes side by side', () => {
  let tdb: TestDatabase;
  const clients: pg.Client[] = [];

  const connect = async () => {
    const client = new pg.Client({ connectionString: tdb.url });
    await client.connect();
    clients.push(client);
    return client;
  };
  const admitted = (tenant: string) => admittedIn(tdb.db, tenant);
  /** Takes every admitted job out again (graphile-worker and lanes), so the next test starts clean. */
  const unadmitAll = async () => {
    await finishAllAdmitted(tdb.db);
    await sql`SELECT tenantry.fold_releases()`.execute(tdb.db);
  };
  const vtimes = (values: Record<string, number>) =>
    sql`UPDATE tenantry.lanes l SET vtime = v.vtime::double precision
        FROM jsonb_each_text(${JSON.stringify(values)}::jsonb) AS v(tenant, vtime)
        WHERE l.tenant_id = v.tenant`.execute(tdb.db);

  /**
   * A pass of room 1 takes the turn and picks (and locks) the lane of smallest vtime only; a
   * pass of room 5 runs beside it. What the second admitted, once the first has committed.
   */
  const passBesideTurn = async () => {
    const first = await connect();
    await first.query('BEGIN');
    expect((await first.query<{ n: number }>('SELECT tenantry.admit(1) AS n')).rows[0]!.n).toBe(1);
    const second = await connect();
    const { rows } = await second.query<{ n: number }>('SELECT tenantry.admit(5) AS n');
    await first.query('COMMIT');
    return rows[0]!.n;
  };

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    // graphile-worker registers a task's name with its first job; done here, so two passes
    // adding the first 'queue-gc' jobs at once do not wait on each other's new row.
    await sql`SELECT graphile_worker.complete_jobs(ARRAY[(graphile_worker.add_job('queue-gc', '{}'::json)).id])`.execute(
      tdb.db,
    );
    await insertTenants(tdb.db, ['behind', 'near', 'ahead'], 10);
    for (const tenant of ['behind', 'near', 'ahead']) {
      await dispatchJobs(
        tdb.db,
        registry,
        Array.from({ length: 20 }, () => ({ task: 'queue-gc', payload: {}, tenant })),
      );
    }
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.end()));
    await unadmitAll();
  });
  afterAll(async () => {
    await tdb.close();
  });

  it('a pass beside the one holding the turn admits no lane far ahead', async () => {
    await vtimes({ behind: 0, near: 2000, ahead: 1000 });
    // 'behind' (vtime 0) could take a job: 'ahead' (1000) is far past it, so nothing.
    expect(await passBesideTurn()).toBe(0);
    expect(await admitted('ahead')).toBe(0);
    expect(await admitted('behind')).toBe(1);
  });

  it('a pass beside the one holding the turn still admits the lanes near the front', async () => {
    await vtimes({ behind: 0, near: 3, ahead: 1000 });
    // 'near' at 3: its jobs finish at 4, 5, …, within 10 of 'behind'; 'ahead' gets none.
    expect(await passBesideTurn()).toBe(5);
    expect(await admitted('near')).toBe(5);
    expect(await admitted('ahead')).toBe(0);
  });

  it('a lane held by another transaction does not stop the pass that gets the turn', async () => {
    await vtimes({ behind: 0, near: 2000, ahead: 1000 });
    // As a dispatch inside a caller's open transaction holds its lane.
    const holder = await connect();
    await holder.query('BEGIN');
    await holder.query(`SELECT 1 FROM tenantry.lanes WHERE tenant_id = 'behind' FOR UPDATE`);
    const pass = await connect();
    const { rows } = await pass.query<{ n: number }>('SELECT tenantry.admit(5) AS n');
    await holder.query('COMMIT');
    // 'behind' is passed by; the pass holds the turn, so 'ahead' is not bound by it.
    expect(rows[0]!.n).toBe(5);
    expect(await admitted('ahead')).toBe(5);
    expect(await admitted('behind')).toBe(0);
  });
});
