import { readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseConfig } from '../../src/config.ts';
import { findTenant } from '../../src/db/tenants.ts';
import { TenantFiles } from '../../src/files/tenant-files.ts';
import { createBackup, listBackups, restoreBackup } from '../../src/lifecycle/backup/index.ts';
import { withTenantBackupLock } from '../../src/lifecycle/backup/lock.ts';
import {
  ASIDE_MARK,
  asideSchema,
  DONE_MARK,
  recoverInterruptedRestore,
  supersededSchema,
} from '../../src/lifecycle/backup/swap.ts';
import { recoverAbandonedRestores } from '../../src/lifecycle/restore-recovery.ts';
import { setActive, suspend } from '../../src/lifecycle/status.ts';
import { pauseTenantJobs } from '../../src/lifecycle/task-deps.ts';
import { createLogger } from '../../src/logger.ts';
import {
  addTenant,
  type BackupHarness,
  backupHarness,
  events,
  expectAppError,
  mutate,
  schemaNames,
  seed,
  snapshot,
} from './fixtures.ts';

describe.skipIf(Boolean(inject('pgToolsMissing')))('tenant backup and restore', () => {
  let h: BackupHarness;
  beforeAll(async () => {
    h = await backupHarness();
    for (const id of ['acme', 'acme-co', 'later', 'gone', 'same-second', 'crashed', 'filed', 'kept']) {
      await addTenant(h.tdb, id);
      await seed(h.tdb, id);
    }
  });
  afterAll(() => h.close());

  it('restores exactly the rows of the backup, row for row, and records both events', async () => {
    const before = await snapshot(h.tdb, 'acme');
    const backup = await createBackup(h.deps(), 'acme');

    expect(backup.fileName).toMatch(/^tenant_acme_\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}\.dump$/);
    expect(backup.encrypted).toBe(false);
    expect(backup.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect((await stat(path.join(h.backupDir, 'acme', backup.fileName))).mode & 0o777).toBe(0o600);
    expect(await readdir(path.join(h.backupDir, 'acme'))).toEqual([backup.fileName]);
    expect(await listBackups(h.deps(), 'acme')).toEqual([{ ...backup, missing: false }]);
    expect(await events(h.tdb, 'acme', 'backed_up')).toEqual([
      expect.objectContaining({ file_name: backup.fileName, sha256: backup.sha256, encrypted: false }),
    ]);

    await mutate(h.tdb, 'acme');
    expect(await snapshot(h.tdb, 'acme')).not.toEqual(before);

    const calls: string[] = [];
    const result = await restoreBackup(
      h.deps({
        pauseJobs: async (id) => {
          calls.push(`pause ${id}`);
          return async () => void calls.push(`resume ${id}`);
        },
        flushCache: async (id) => void calls.push(`flush ${id}`),
      }),
      'acme',
      { file: backup.fileName },
    );

    expect(await snapshot(h.tdb, 'acme')).toEqual(before);
    expect(result).toMatchObject({ backup, recovered: null, warnings: [] });
    expect(calls).toEqual(['pause acme', 'flush acme', 'resume acme']);
    expect(await schemaNames(h.tdb, 'acme')).toEqual(['tenant_acme']);
    expect(await events(h.tdb, 'acme', 'restored')).toEqual([
      expect.objectContaining({ file_name: backup.fileName, sha256: backup.sha256 }),
    ]);
    // Identity sequences come back too: new rows do not collide with restored ones.
    const { rows } = await sql<{ id: string }>`
      INSERT INTO tenant_acme.clients (name) VALUES ('after restore') RETURNING id`.execute(h.tdb.db);
    const maxBefore = Math.max(...before.clients.map((c) => Number(JSON.parse(c).id)));
    expect(Number(rows[0]?.id)).toBeGreaterThan(maxBefore);
  });

  it('backs up and restores a tenant whose id holds a dash', async () => {
    const before = await snapshot(h.tdb, 'acme-co');
    const backup = await createBackup(h.deps(), 'acme-co');
    expect(backup.fileName).toMatch(/^tenant_acme-co_.*\.dump$/);
    await mutate(h.tdb, 'acme-co');
    await restoreBackup(h.deps(), 'acme-co', { file: backup.fileName });
    expect(await snapshot(h.tdb, 'acme-co')).toEqual(before);
    expect(await schemaNames(h.tdb, 'acme-co')).toEqual(['tenant_acme-co']);
  });

  it("brings the tenant's files back as they were when backed up", async () => {
    const files = new TenantFiles(h.tdb.db, 'filed', parseConfig({}).fileLimits);
    const big = Buffer.alloc(1_500_000, 'z');
    await files.write('reports/big.bin', big);
    await files.write('notes.txt', 'kept', 'text/plain');
    const backup = await createBackup(h.deps(), 'filed');
    await files.write('reports/big.bin', 'replaced');
    await files.remove('notes.txt');
    await files.write('later.txt', 'after the backup');
    await restoreBackup(h.deps(), 'filed', { file: backup.fileName });
    expect((await files.read('reports/big.bin')).equals(big)).toBe(true);
    expect(await files.readText('notes.txt')).toBe('kept');
    expect(await files.stat('later.txt')).toBeUndefined();
    expect((await files.list()).map((f) => f.path)).toEqual(['notes.txt', 'reports/big.bin']);
  });

  it('restores the latest backup when asked for it', async () => {
    await createBackup(h.deps(), 'later');
    await mutate(h.tdb, 'later');
    const second = await snapshot(h.tdb, 'later');
    const newest = await createBackup(h.deps(), 'later');
    await sql`DELETE FROM tenant_later.appointments`.execute(h.tdb.db);

    const result = await restoreBackup(h.deps(), 'later', { latest: true });
    expect(result.backup.fileName).toBe(newest.fileName);
    expect(await snapshot(h.tdb, 'later')).toEqual(second);
  });

  it('recreates a schema that no longer exists', async () => {
    const before = await snapshot(h.tdb, 'gone');
    const backup = await createBackup(h.deps(), 'gone');
    await sql`DROP SCHEMA tenant_gone CASCADE`.execute(h.tdb.db);
    await restoreBackup(h.deps(), 'gone', { file: backup.fileName });
    expect(await snapshot(h.tdb, 'gone')).toEqual(before);
  });

  it('gives backups taken within the same second distinct names, never overwriting a file', async () => {
    // Orphan files (no row) occupy every plain name of the next seconds, as a crash could leave.
    const dir = path.join(h.backupDir, 'same-second');
    const start = Date.now();
    const orphans: string[] = [];
    for (let s = 0; s < 30; s++) {
      const stamp = new Date(start + s * 1000)
        .toISOString()
        .slice(0, 19)
        .replace('T', '_')
        .replaceAll(':', '-');
      orphans.push(`tenant_same-second_${stamp}.dump`);
    }
    await createBackup(h.deps(), 'same-second'); // creates the directory
    for (const name of orphans)
      await writeFile(path.join(dir, name), 'orphan', { flag: 'wx' }).catch(() => {});

    const made = await Promise.all([1, 2, 3].map(() => createBackup(h.deps(), 'same-second')));
    for (const backup of made) expect(backup.fileName).toMatch(/_\d{2}-\d{2}-\d{2}_\d+\.dump$/);
    const names = (await listBackups(h.deps(), 'same-second')).map((b) => b.fileName);
    expect(new Set(names).size).toBe(4);
  });

  it('finishes what an interrupted restore left behind before restoring', async () => {
    const before = await snapshot(h.tdb, 'crashed');
    const backup = await createBackup(h.deps(), 'crashed');
    await mutate(h.tdb, 'crashed');
    // Died after setting the live schema aside, before anything was restored.
    await sql`ALTER SCHEMA tenant_crashed RENAME TO ${sql.id(asideSchema('crashed'))}`.execute(h.tdb.db);

    const result = await restoreBackup(h.deps(), 'crashed', { file: backup.fileName });
    expect(result.recovered).toBe('put_back_live_schema');
    expect(await snapshot(h.tdb, 'crashed')).toEqual(before);
    expect(await schemaNames(h.tdb, 'crashed')).toEqual(['tenant_crashed']);

    // Died after restoring, before reporting success: the restore counts as not done.
    await mutate(h.tdb, 'crashed');
    const changed = await snapshot(h.tdb, 'crashed');
    await sql`ALTER SCHEMA tenant_crashed RENAME TO ${sql.id(asideSchema('crashed'))}`.execute(h.tdb.db);
    await sql`CREATE SCHEMA tenant_crashed`.execute(h.tdb.db);
    await sql`CREATE TABLE tenant_crashed.half_restored (id int)`.execute(h.tdb.db);
    expect((await recoverInterruptedRestore(h.tdb.db, 'crashed', 5000)) ?? '').toBe('put_back_live_schema');
    expect(await snapshot(h.tdb, 'crashed')).toEqual(changed);

    // Died after success, before the old copy was dropped.
    await sql`CREATE SCHEMA ${sql.id(supersededSchema('crashed'))}`.execute(h.tdb.db);
    // ...and its tenant left paused by it ("restore in progress"): resumed by this restore.
    await sql`UPDATE tenantry.tenants SET status = 'inactive', status_reason = 'restore in progress'
              WHERE id = 'crashed'`.execute(h.tdb.db);
    const again = await restoreBackup(
      h.deps({ pauseJobs: (id) => pauseTenantJobs({ controlDb: h.tdb.db }, id) }),
      'crashed',
      { latest: true },
    );
    expect(again.recovered).toBe('dropped_stale_copy');
    expect(await findTenant(h.tdb.db, 'crashed')).toMatchObject({ status: 'active', status_reason: null });
    expect(await snapshot(h.tdb, 'crashed')).toEqual(before);
    expect(await schemaNames(h.tdb, 'crashed')).toEqual(['tenant_crashed']);
  });

  it('drops an old copy a finished restore left (readers held it) without waiting for the next restore', async () => {
    const logger = createLogger('silent', false);
    await sql`CREATE SCHEMA ${sql.id(supersededSchema('acme'))}`.execute(h.tdb.db);
    await sql`CREATE TABLE ${sql.table(`${supersededSchema('acme')}.clients`)} (id int)`.execute(h.tdb.db);
    // While a restore holds the tenant's lock it is that restore's: left alone.
    let release!: () => void;
    const held = withTenantBackupLock(
      h.tdb.db,
      'acme',
      'shared',
      1000,
      () => new Promise<void>((r) => (release = r)),
    );
    await expect.poll(() => release !== undefined).toBe(true);
    expect(await recoverAbandonedRestores(h.tdb.db, 5000, logger)).toEqual([]);
    expect(await schemaNames(h.tdb, 'acme')).toEqual(['tenant_acme', supersededSchema('acme')]);
    release();
    await held;
    // Free: dropped; the tenant was never paused, so nothing is reported as recovered.
    expect(await recoverAbandonedRestores(h.tdb.db, 5000, logger)).toEqual([]);
    expect(await schemaNames(h.tdb, 'acme')).toEqual(['tenant_acme']);
    expect((await findTenant(h.tdb.db, 'acme'))?.status).toBe('active');
  });

  it('keeps the restored data when a finished restore could not retire its old copy at all', async () => {
    const backup = await createBackup(h.deps(), 'kept');
    await mutate(h.tdb, 'kept');
    await restoreBackup(h.deps(), 'kept', { file: backup.fileName });
    // Its old copy neither dropped nor renamed (the database went away in between): left as
    // `__pre_restore`, marked by the restore that the live schema says finished.
    const { rows } = await sql<{ comment: string }>`
      SELECT obj_description(oid, 'pg_namespace') AS comment FROM pg_namespace WHERE nspname = 'tenant_kept'`.execute(
      h.tdb.db,
    );
    expect(rows[0]!.comment.startsWith(DONE_MARK)).toBe(true);
    const restoreId = rows[0]!.comment.slice(DONE_MARK.length);
    const aside = asideSchema('kept');
    await sql`CREATE SCHEMA ${sql.id(aside)}`.execute(h.tdb.db);
    await sql`CREATE TABLE ${sql.table(`${aside}.clients`)} (id int)`.execute(h.tdb.db);
    await sql`COMMENT ON SCHEMA ${sql.id(aside)} IS ${sql.lit(ASIDE_MARK + restoreId)}`.execute(h.tdb.db);
    // Weeks of work later, a suspension lifted: the old copy was put back over all of it.
    await mutate(h.tdb, 'kept');
    const since = await snapshot(h.tdb, 'kept');
    await suspend(h.tdb.db, 'kept', 'unpaid invoice');
    await setActive(h.tdb.db, 'kept', true);
    expect(await snapshot(h.tdb, 'kept')).toEqual(since);
    expect(await schemaNames(h.tdb, 'kept')).toEqual(['tenant_kept']);
  });

  it('answers 409 while another backup or restore of the tenant holds its lock', async () => {
    const backup = await createBackup(h.deps(), 'acme');
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const holder = withTenantBackupLock(h.tdb.db, 'acme', 'shared', 1000, () => held);
    try {
      let paused = false;
      const deps = h.deps({
        timeoutMs: 300,
        pauseJobs: async () => {
          paused = true;
          return async () => {};
        },
      });
      await expectAppError(
        restoreBackup(deps, 'acme', { file: backup.fileName }),
        'conflict',
        'backup_in_progress',
      );
      expect(paused).toBe(false);
      // Shared holders do not exclude each other: backups may overlap.
      await createBackup(h.deps(), 'acme');
    } finally {
      release();
      await holder;
    }
  });

  it('leaves no file and no row when the dump is aborted', async () => {
    const before = await listBackups(h.deps(), 'gone');
    const aborted = AbortSignal.abort();
    await expectAppError(createBackup(h.deps({ signal: aborted }), 'gone'), 'unavailable', 'tool_aborted');
    expect(await listBackups(h.deps(), 'gone')).toEqual(before);
    const names = await readdir(path.join(h.backupDir, 'gone'));
    expect(names.sort()).toEqual(before.map((b) => b.fileName).sort());
  });

  it('refuses unknown tenants and tenants without backups', async () => {
    await expectAppError(createBackup(h.deps(), 'nobody'), 'not_found');
    await expectAppError(createBackup(h.deps(), 'Not_A_Slug'), 'validation_failed');
    await addTenant(h.tdb, 'fresh');
    await expectAppError(restoreBackup(h.deps(), 'fresh', { latest: true }), 'not_found');
  });
});
