import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { digestFile } from '../../src/lifecycle/backup/files.ts';
import { createBackup, restoreBackup } from '../../src/lifecycle/backup/index.ts';
import { checkBackupFileName } from '../../src/lifecycle/backup/paths.ts';
import { backupDb } from '../../src/lifecycle/backup/types.ts';
import { addTenant, type BackupHarness, backupHarness, expectAppError, seed, snapshot } from './fixtures.ts';

const VALID = 'tenant_acme_2024-01-15_02-00-00.dump';

describe.skipIf(Boolean(inject('pgToolsMissing')))('backup file names', () => {
  let h: BackupHarness;
  let outside: string;
  beforeAll(async () => {
    h = await backupHarness();
    outside = await mkdtemp(path.join(os.tmpdir(), 'tenantry-outside-'));
    for (const id of ['acme', 'rival']) {
      await addTenant(h.tdb, id);
      await seed(h.tdb, id);
    }
    await mkdir(path.join(h.backupDir, 'acme'), { recursive: true });
  });
  afterAll(async () => {
    await h.close();
    await rm(outside, { recursive: true, force: true });
  });

  /** Records `file` as a backup of acme named `name`, checksum and all, as an attacker would need. */
  async function catalogue(name: string, file: string) {
    const { sha256, sizeBytes } = await digestFile(file);
    await backupDb(h.tdb.db)
      .insertInto('tenantry.backups')
      .values({ tenant_id: 'acme', file_name: name, sha256, size_bytes: sizeBytes, encrypted: false })
      .execute();
  }

  it('accepts only plain names of the tenant pattern', () => {
    for (const name of [
      VALID,
      'tenant_acme_2024-01-15_02-00-00_2.dump',
      'tenant_acme_2024-01-15_02-00-00.dump.enc',
    ]) {
      expect(() => checkBackupFileName('acme', name)).not.toThrow();
    }
  });

  it.each([
    '../x',
    '../../etc/passwd',
    `../rival/${VALID.replace('acme', 'rival')}`,
    '/etc/passwd',
    path.join(os.tmpdir(), VALID),
    `./${VALID}`,
    `sub/${VALID}`,
    `..\\${VALID}`,
    `${VALID}\0`,
    '..',
    '',
    'tenant_acme_2024-01-15_02-00-00.sql.gz',
    'tenant_acme_latest.dump',
    `.tenantry-tmp-dump-0011223344556677`,
  ])('refuses %j', async (name) => {
    const before = await snapshot(h.tdb, 'acme');
    const err = await expectAppError(restoreBackup(h.deps(), 'acme', { file: name }), 'validation_failed');
    expect(err.extensions.field).toBe('backup');
    expect(await snapshot(h.tdb, 'acme')).toEqual(before);
  });

  it("refuses another tenant's backup named on this tenant", async () => {
    const theirs = await createBackup(h.deps(), 'rival');
    await expectAppError(restoreBackup(h.deps(), 'acme', { file: theirs.fileName }), 'validation_failed');
  });

  it('refuses a symlink pointing outside, even when catalogued with its checksum', async () => {
    const target = path.join(outside, 'payload.dump');
    await writeFile(target, 'not yours');
    const name = 'tenant_acme_2024-02-01_00-00-00.dump';
    await symlink(target, path.join(h.backupDir, 'acme', name));
    await catalogue(name, target);
    await expectAppError(restoreBackup(h.deps(), 'acme', { file: name }), 'unprocessable', 'unsafe_path');
  });

  it("refuses a symlink to another tenant's real backup", async () => {
    const theirs = await createBackup(h.deps(), 'rival');
    const name = 'tenant_acme_2024-02-02_00-00-00.dump';
    const target = path.join(h.backupDir, 'rival', theirs.fileName);
    await symlink(target, path.join(h.backupDir, 'acme', name));
    await catalogue(name, target);
    await expectAppError(restoreBackup(h.deps(), 'acme', { file: name }), 'unprocessable', 'unsafe_path');
  });

  it('refuses a tenant directory that is itself a link elsewhere', async () => {
    const linkedRoot = await mkdtemp(path.join(os.tmpdir(), 'tenantry-linked-'));
    try {
      await symlink(outside, path.join(linkedRoot, 'acme'));
      const name = 'tenant_acme_2024-02-03_00-00-00.dump';
      await writeFile(path.join(outside, name), 'planted');
      await catalogue(name, path.join(outside, name));
      await expectAppError(
        restoreBackup(h.deps({ backupDir: linkedRoot }), 'acme', { file: name }),
        'unprocessable',
        'unsafe_path',
      );
    } finally {
      await rm(linkedRoot, { recursive: true, force: true });
    }
  });
});
