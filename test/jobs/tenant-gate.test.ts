import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Listener } from '../../src/db/listener.ts';
import { TenantGate, type TenantState } from '../../src/jobs/tenant-gate.ts';
import { createLogger } from '../../src/logger.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';

/**
 * The worker's cache of tenant states at job start: entries live long, so every change must
 * reach it through a notification, including a tenant's deletion.
 */
describe('tenant gate', () => {
  let tdb: TestDatabase;
  let listener: Listener;
  let gate: TenantGate;
  const logger = createLogger('silent', false);

  /** The gate's answer for `id` once `test` holds (notifications arrive asynchronously). */
  const until = async (id: string, test: (s: TenantState | undefined) => boolean) => {
    for (let i = 0; i < 200; i++) {
      const state = await gate.tenant(id);
      if (test(state)) return state;
      await sleep(25);
    }
    return gate.tenant(id);
  };

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    await sql`INSERT INTO tenantry.tenants (id, name) VALUES ('g1', 'g1'), ('g2', 'g2')`.execute(tdb.db);
    listener = new Listener(tdb.url, logger);
    await listener.start();
    gate = new TenantGate(tdb.db, {}, logger);
    await gate.start(listener);
  });
  afterAll(async () => {
    await listener.close();
    await tdb.close();
  });

  it('answers from its cache, and hears of suspension, pauses and deletion at once', async () => {
    expect((await gate.tenant('g1'))?.status).toBe('active');
    await sql`UPDATE tenantry.tenants SET status = 'suspended' WHERE id = 'g1'`.execute(tdb.db);
    expect((await until('g1', (s) => s?.status === 'suspended'))?.status).toBe('suspended');

    expect((await gate.tenant('g2'))?.paused).toBe(false);
    await sql`INSERT INTO tenantry.tenant_limits (tenant_id, paused) VALUES ('g2', true)`.execute(tdb.db);
    expect((await until('g2', (s) => s?.paused === true))?.paused).toBe(true);

    await sql`DELETE FROM tenantry.tenants WHERE id = 'g2'`.execute(tdb.db);
    expect(await until('g2', (s) => s === undefined)).toBeUndefined();
  });
});
