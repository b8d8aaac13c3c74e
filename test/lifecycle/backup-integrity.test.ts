import { copyFile, open, rm, truncate } from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { digestFile } from '../../src/lifecycle/backup/files.ts';
import { createBackup, listBackups, pruneBackups, restoreBackup } from '../../src/lifecycle/backup/index.ts';
import { tenantHealth } from '../../src/lifecycle/health.ts';
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

/** A restore whose every hook call is recorded, to prove a refused restore touched nothing. */
function watched(h: BackupHarness) {
  const calls: string[] = [];
  const deps = h.deps({
    pauseJobs: async () => {
      calls.push('pause');
      return async () => void calls.push('resume');
    },
    flushCache: async () => void calls.push('flush'),
  });
  return { calls, deps };
}

async function flipByte(file: string, position: number): Promise<void> {
  const handle = await open(file, 'r+');
  try {
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, position);
    byte[0] = (byte[0] ?? 0) ^ 0xff;
    await handle.write(byte, 0, 1, position);
  } finally {
    await handle.close();
  }
}

/** Makes the catalogue agree with the file, as if the damage had happened before it was recorded. */
async function recordDigest(h: BackupHarness, fileName: string, file: string): Promise<void> {
  const { sha256, sizeBytes } = await digestFile(file);
  await sql`UPDATE tenantry.backups SET sha256 = ${sha256}, size_bytes = ${sizeBytes} WHERE file_name = ${fileName}`.execute(
    h.deps().db,
  );
}

describe.skipIf(Boolean(inject('pgToolsMissing')))('damaged backups', () => {
  let h: BackupHarness;
  beforeAll(async () => {
    h = await backupHarness();
    for (const id of ['acme', 'other']) {
      await addTenant(h.tdb, id);
      await seed(h.tdb, id, 300);
    }
  });
  afterAll(() => h.close());

  async function backupThenChange(id: string) {
    const backup = await createBackup(h.deps(), id);
    await mutate(h.tdb, id);
    return { backup, file: path.join(h.backupDir, id, backup.fileName), current: await snapshot(h.tdb, id) };
  }

  it('refuses a truncated backup before touching the tenant', async () => {
    const { backup, file, current } = await backupThenChange('acme');
    await truncate(file, Math.floor(backup.sizeBytes / 2));
    const { calls, deps } = watched(h);
    await expectAppError(
      restoreBackup(deps, 'acme', { file: backup.fileName }),
      'unprocessable',
      'checksum_mismatch',
    );
    expect(await snapshot(h.tdb, 'acme')).toEqual(current);
    expect(calls).toEqual([]);
    expect(await events(h.tdb, 'acme', 'restored')).toEqual([]);
  });

  it('refuses a backup with one byte changed', async () => {
    const { backup, file, current } = await backupThenChange('acme');
    await flipByte(file, Math.floor(backup.sizeBytes / 2));
    await expectAppError(
      restoreBackup(h.deps(), 'acme', { file: backup.fileName }),
      'unprocessable',
      'checksum_mismatch',
    );
    expect(await snapshot(h.tdb, 'acme')).toEqual(current);
  });

  it('keeps the current data when pg_restore fails midway', async () => {
    // Truncated in the data section: the table of contents still reads, pg_restore --list
    // passes, and the failure only shows once the restore has started replacing the schema.
    const { backup, file, current } = await backupThenChange('acme');
    await truncate(file, backup.sizeBytes - 200);
    await recordDigest(h, backup.fileName, file);
    const { calls, deps } = watched(h);

    await expectAppError(restoreBackup(deps, 'acme', { file: backup.fileName }), 'internal', 'tool_failed');
    expect(await snapshot(h.tdb, 'acme')).toEqual(current);
    expect(await schemaNames(h.tdb, 'acme')).toEqual(['tenant_acme']);
    expect(calls).toEqual(['pause', 'resume']);
    expect(await events(h.tdb, 'acme', 'restored')).toEqual([]);
  });

  it('refuses a file that is not an archive, and an archive of another tenant', async () => {
    const { backup, file, current } = await backupThenChange('acme');
    await truncate(file, 10);
    await recordDigest(h, backup.fileName, file);
    await expectAppError(
      restoreBackup(h.deps(), 'acme', { file: backup.fileName }),
      'unprocessable',
      'unreadable_archive',
    );

    const theirs = await createBackup(h.deps(), 'other');
    await copyFile(path.join(h.backupDir, 'other', theirs.fileName), file);
    await recordDigest(h, backup.fileName, file);
    await expectAppError(
      restoreBackup(h.deps(), 'acme', { file: backup.fileName }),
      'unprocessable',
      'wrong_archive',
    );
    expect(await snapshot(h.tdb, 'acme')).toEqual(current);
    expect(await schemaNames(h.tdb, 'other')).toEqual(['tenant_other']);
  });

  it('reports a recorded backup whose file is gone as not found', async () => {
    const { backup, file } = await backupThenChange('acme');
    await rm(file);
    await expectAppError(restoreBackup(h.deps(), 'acme', { file: backup.fileName }), 'not_found');
  });

  it('passes over recorded backups whose file is gone: listed as missing, warned of, never restored or kept', async () => {
    await addTenant(h.tdb, 'gone');
    await seed(h.tdb, 'gone', 20);
    const oldest = await createBackup(h.deps(), 'gone');
    await mutate(h.tdb, 'gone');
    const usable = await createBackup(h.deps(), 'gone');
    const restorable = await snapshot(h.tdb, 'gone');
    await mutate(h.tdb, 'gone');
    const lost = await createBackup(h.deps(), 'gone');
    await rm(path.join(h.backupDir, 'gone', lost.fileName));

    const listed = await listBackups(h.deps(), 'gone');
    expect(listed.map((b) => [b.fileName, b.missing])).toEqual([
      [lost.fileName, true],
      [usable.fileName, false],
      [oldest.fileName, false],
    ]);
    const health = await tenantHealth(h.tdb.db, 'gone', { backupDir: h.backupDir });
    expect(health.backups).toMatchObject({ count: 2, missing: 1, newest: { fileName: usable.fileName } });
    expect(health.warnings).toContain("1 recorded backup's file is missing from BACKUP_DIR");

    // The latest a restore can read, not the newest row.
    const restored = await restoreBackup(h.deps(), 'gone', { latest: true });
    expect(restored.backup.fileName).toBe(usable.fileName);
    expect(await snapshot(h.tdb, 'gone')).toEqual(restorable);

    // --keep 1 keeps one that is there; the lost one is not counted, and stays on record.
    const pruned = await pruneBackups(h.deps(), 'gone', 1);
    expect(pruned.removed.map((b) => b.fileName)).toEqual([oldest.fileName]);
    expect((await listBackups(h.deps(), 'gone')).map((b) => [b.fileName, b.missing])).toEqual([
      [lost.fileName, true],
      [usable.fileName, false],
    ]);

    await rm(path.join(h.backupDir, 'gone', usable.fileName));
    await expectAppError(
      restoreBackup(h.deps(), 'gone', { latest: true }),
      'not_found',
      'backup_files_missing',
    );
  });
});
