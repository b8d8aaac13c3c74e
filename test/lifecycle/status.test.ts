import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.ts';
import { findTenant } from '../../src/db/tenants.ts';
import type { App } from '../../src/http/app.ts';
import { asideSchema } from '../../src/lifecycle/backup/swap.ts';
import { provision, setActive, suspend, updateSettings } from '../../src/lifecycle/index.ts';
import { registry } from '../../src/tasks/index.ts';
import type { WorkerService } from '../../src/worker/runner.ts';
import { bearer, buildTestApp } from '../helpers/app.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { jobLog, startTestWorker, waitForStatus } from '../helpers/worker.ts';
import { events, expectAppError, holdBackupLock } from './fixtures.ts';

describe('tenant status and settings', () => {
  let tdb: TestDatabase;
  let app: App;
  const config = parseConfig({});
  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    app = await buildTestApp(tdb.db);
  });
  afterAll(async () => {
    await app.close();
    await tdb.close();
  });

  /** The tenant's backup lock held exclusively, as a running restore holds it, until `release()`. */
  const holdRestoreLock = async (tenant: string) => {
    const { release, held } = await holdBackupLock(tdb.db, tenant, 'exclusive');
    return { release, running: held };
  };

  it('puts back the schema a killed restore set aside before activating, and refuses while a restore runs', async () => {
    await provision({ db: tdb.db, config }, { id: 'halted', name: 'Halted', plan: 'business' });
    await sql`INSERT INTO tenant_halted.clients (name) VALUES ('kept')`.execute(tdb.db);
    // What a restore killed after setting the schema aside leaves: no live schema, paused.
    await sql`ALTER SCHEMA tenant_halted RENAME TO ${sql.id(asideSchema('halted'))}`.execute(tdb.db);
    await setActive(tdb.db, 'halted', false, 'restore in progress');

    const { release, running } = await holdRestoreLock('halted');
    await expectAppError(setActive(tdb.db, 'halted', true), 'conflict', 'backup_in_progress');
    expect((await findTenant(tdb.db, 'halted'))?.status).toBe('inactive');
    release();
    await running;

    expect(await setActive(tdb.db, 'halted', true)).toMatchObject({ status: 'active' });
    const { rows } = await sql<{ name: string }>`SELECT name FROM tenant_halted.clients`.execute(tdb.db);
    expect(rows).toEqual([{ name: 'kept' }]);
  });

  it('refuses to activate a tenant a running restore paused before it set the schema aside', async () => {
    await provision({ db: tdb.db, config }, { id: 'draining', name: 'Draining', plan: 'business' });
    // A restore that paused the tenant and waits for its running jobs: nothing set aside yet.
    await setActive(tdb.db, 'draining', false, 'restore in progress');
    const { release, running } = await holdRestoreLock('draining');
    // Activating then let its jobs start while the restore was about to swap the schema.
    await expectAppError(setActive(tdb.db, 'draining', true), 'conflict', 'backup_in_progress');
    expect((await findTenant(tdb.db, 'draining'))?.status).toBe('inactive');
    release();
    await running;
    expect(await setActive(tdb.db, 'draining', true)).toMatchObject({ status: 'active' });
  });

  it('refuses to activate, during a restore, a tenant an operator had deactivated (the restore keeps that status)', async () => {
    await provision({ db: tdb.db, config }, { id: 'billed', name: 'Billed', plan: 'business' });
    await setActive(tdb.db, 'billed', false, 'billing review');
    const { release, running } = await holdRestoreLock('billed');
    // Activating it let its jobs start while the restore waited for them to end.
    await expectAppError(setActive(tdb.db, 'billed', true), 'conflict', 'backup_in_progress');
    expect(await findTenant(tdb.db, 'billed')).toMatchObject({
      status: 'inactive',
      status_reason: 'billing review',
    });
    release();
    await running;
    // Beside a backup (the lock taken shared) it is activated at once.
    const backup = await holdBackupLock(tdb.db, 'billed', 'shared');
    expect(await setActive(tdb.db, 'billed', true)).toMatchObject({ status: 'active' });
    backup.release();
    await backup.held;
  });

  it('merges settings as a JSON merge patch and validates the result', async () => {
    await provision(
      { db: tdb.db, config },
      { id: 'conf', name: 'Conf', plan: 'business', settings: { a: 1 } },
    );
    await updateSettings(tdb.db, 'conf', { timezone: 'America/Bogota', features: { beta: true, old: true } });
    const tenant = await updateSettings(tdb.db, 'conf', {
      language: 'es-CO',
      features: { old: null, new: false },
    });
    expect(tenant.settings).toEqual({
      a: 1,
      timezone: 'America/Bogota',
      language: 'es-CO',
      features: { beta: true, new: false },
    });
    await expectAppError(updateSettings(tdb.db, 'conf', { timezone: 'Nowhere/City' }), 'validation_failed');
    await expectAppError(updateSettings(tdb.db, 'conf', { language: 'not a tag!' }), 'validation_failed');
    await expectAppError(updateSettings(tdb.db, 'conf', { features: { beta: 'yes' } }), 'validation_failed');
    await expectAppError(updateSettings(tdb.db, 'missing', {}), 'not_found');
    expect((await findTenant(tdb.db, 'conf'))!.settings).toEqual(tenant.settings);
    expect(await events(tdb, 'conf', 'settings_updated')).toHaveLength(2);
  });

  it('moves active <-> inactive, any -> suspended -> active, recording each change once', async () => {
    await provision({ db: tdb.db, config }, { id: 'moves', name: 'Moves', plan: 'business' });
    await setActive(tdb.db, 'moves', false);
    await setActive(tdb.db, 'moves', false);
    await suspend(tdb.db, 'moves', 'unpaid invoice');
    await expectAppError(setActive(tdb.db, 'moves', false), 'conflict');
    const back = await setActive(tdb.db, 'moves', true);
    expect(back).toMatchObject({ status: 'active', status_reason: null });
    expect(await events(tdb, 'moves', 'status_changed')).toEqual([
      { from: 'active', to: 'inactive', reason: null },
      { from: 'inactive', to: 'suspended', reason: 'unpaid invoice' },
      { from: 'suspended', to: 'active', reason: null },
    ]);
    await expectAppError(suspend(tdb.db, 'moves', '  '), 'validation_failed');
  });

  it('refuses the keys of a suspended or inactive tenant with 403 and the reason, until reactivated', async () => {
    const { apiKey } = await provision(
      { db: tdb.db, config },
      { id: 'keys', name: 'Keys', plan: 'business' },
    );
    const get = () => app.inject({ method: 'GET', url: '/api/tenants/keys', headers: bearer(apiKey) });
    expect((await get()).statusCode).toBe(200);

    await suspend(tdb.db, 'keys', 'abuse report #42');
    const suspended = await get();
    expect(suspended.statusCode).toBe(403);
    expect(suspended.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(suspended.json()).toMatchObject({ tenant_status: 'suspended', reason: 'abuse report #42' });

    await setActive(tdb.db, 'keys', true);
    await setActive(tdb.db, 'keys', false, 'closed by owner');
    expect((await get()).json()).toMatchObject({
      status: 403,
      tenant_status: 'inactive',
      reason: 'closed by owner',
    });

    await setActive(tdb.db, 'keys', true);
    expect((await get()).statusCode).toBe(200);
  });

  it('holds a suspended tenant’s jobs without losing them and runs them after reactivation', async () => {
    const held = await provision(
      { db: tdb.db, config },
      { id: 'held', name: 'Held', plan: 'business', owner: 'held@example.com' },
    );
    await suspend(tdb.db, 'held', 'migration window');
    const free = await provision(
      { db: tdb.db, config },
      { id: 'free', name: 'Free', plan: 'business', owner: 'free@example.com' },
    );
    let worker: WorkerService | undefined;
    try {
      worker = await startTestWorker(tdb, { registry });
      // The active tenant's job was queued after the held one and has finished: the
      // worker has had every chance to take the held job, and did not.
      const done = await waitForStatus(tdb.db, free.welcomeJobLogId, ['completed']);
      expect(done.result).toMatchObject({ to: 'free@example.com' });
      expect((await jobLog(tdb.db, held.welcomeJobLogId)).status).toBe('pending');

      await setActive(tdb.db, 'held', true);
      const released = await waitForStatus(tdb.db, held.welcomeJobLogId, ['completed']);
      expect(released.result).toMatchObject({ to: 'held@example.com' });
    } finally {
      await worker?.stop();
    }
  });
});
