import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, createPool, type Db } from '../../src/db/database.ts';
import { withTenantBackupLock } from '../../src/lifecycle/backup/lock.ts';
import { asAdmin, cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';

/**
 * A backup lock's session idles while a dump or restore works on other connections. With an
 * idle_session_timeout (or a firewall dropping quiet connections) it was ended mid-restore,
 * the lock with it; a query now and then keeps it.
 */
describe('the tenant backup lock under an idle_session_timeout', () => {
  let tdb: TestDatabase;
  const admin = asAdmin;
  /** A pool of its own, opened after the setting: its sessions have the timeout. */
  const freshDb = (): Db => createDb(createPool({ connectionString: tdb.url, max: 2 }));
  /** Whether another session can take the lock now (it is then released at once). */
  const free = async () => {
    const probe = freshDb();
    try {
      return await withTenantBackupLock(probe, 'acme', 'exclusive', 50, async () => true).catch(() => false);
    } finally {
      await probe.destroy();
    }
  };

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    await admin(`ALTER DATABASE "${tdb.name}" SET idle_session_timeout = '500ms'`);
  });
  afterAll(async () => {
    await admin(`ALTER DATABASE "${tdb.name}" RESET idle_session_timeout`);
    await tdb.close();
  });

  for (const [keepAliveMs, held] of [
    [150, true],
    [60_000, false],
  ] as const) {
    it(`${held ? 'keeps' : 'loses'} the lock through 1.5 s of work with a query every ${keepAliveMs} ms`, async () => {
      const db = freshDb();
      try {
        const seen = await withTenantBackupLock(
          db,
          'acme',
          'exclusive',
          1000,
          async () => {
            await sleep(1500);
            return free();
          },
          keepAliveMs,
        );
        expect(seen).toBe(!held);
      } finally {
        await db.destroy();
      }
    });
  }
});
