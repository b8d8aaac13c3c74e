import { open, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { HEADER_BYTES } from '../../src/lifecycle/backup/encryption.ts';
import { digestFile } from '../../src/lifecycle/backup/files.ts';
import { createBackup, restoreBackup } from '../../src/lifecycle/backup/index.ts';
import {
  addTenant,
  type BackupHarness,
  backupHarness,
  expectAppError,
  KEY,
  mutate,
  OTHER_KEY,
  seed,
  snapshot,
} from './fixtures.ts';

describe.skipIf(Boolean(inject('pgToolsMissing')))('encrypted backups', () => {
  let h: BackupHarness;
  beforeAll(async () => {
    h = await backupHarness();
    await addTenant(h.tdb, 'vault');
    await seed(h.tdb, 'vault', 200);
  });
  afterAll(() => h.close());

  const dir = () => path.join(h.backupDir, 'vault');
  const leftovers = async () => (await readdir(dir())).filter((n) => n.startsWith('.'));

  it('round-trips through AES-256-GCM and leaves no plaintext behind', async () => {
    const before = await snapshot(h.tdb, 'vault');
    const backup = await createBackup(h.deps({ encryptionKey: KEY }), 'vault');
    expect(backup.fileName).toMatch(/\.dump\.enc$/);
    expect(backup.encrypted).toBe(true);

    const bytes = await readFile(path.join(dir(), backup.fileName));
    expect(bytes.subarray(0, 8).toString('ascii')).toBe('TNTRYBAK');
    // A custom-format archive starts with PGDMP; the ciphertext must not reveal it, nor any row.
    expect(bytes.includes(Buffer.from('PGDMP'))).toBe(false);
    expect(bytes.includes(Buffer.from('example.com'))).toBe(false);
    expect(await digestFile(path.join(dir(), backup.fileName))).toEqual({
      sha256: backup.sha256,
      sizeBytes: backup.sizeBytes,
    });

    await mutate(h.tdb, 'vault');
    await restoreBackup(h.deps({ encryptionKey: KEY }), 'vault', { file: backup.fileName });
    expect(await snapshot(h.tdb, 'vault')).toEqual(before);
    expect(await leftovers()).toEqual([]);
  });

  it('refuses a wrong key, and a missing one, before touching the tenant', async () => {
    const backup = await createBackup(h.deps({ encryptionKey: KEY }), 'vault');
    await mutate(h.tdb, 'vault');
    const current = await snapshot(h.tdb, 'vault');
    const err = await expectAppError(
      restoreBackup(h.deps({ encryptionKey: OTHER_KEY }), 'vault', { file: backup.fileName }),
      'unprocessable',
      'wrong_key',
    );
    expect(err.message).toContain('another key');
    await expectAppError(
      restoreBackup(h.deps(), 'vault', { file: backup.fileName }),
      'unprocessable',
      'encryption_key_missing',
    );
    expect(await snapshot(h.tdb, 'vault')).toEqual(current);
    expect(await leftovers()).toEqual([]);
  });

  it.each([
    ['the ciphertext', (size: number) => Math.floor(size / 2)],
    ['the IV in the header', () => HEADER_BYTES - 1],
    ['the authentication tag', (size: number) => size - 1],
  ])('refuses a file whose %s was altered, even with a matching checksum', async (_, position) => {
    const backup = await createBackup(h.deps({ encryptionKey: KEY }), 'vault');
    await mutate(h.tdb, 'vault');
    const current = await snapshot(h.tdb, 'vault');
    const file = path.join(dir(), backup.fileName);
    const handle = await open(file, 'r+');
    const at = position(backup.sizeBytes);
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, at);
    await handle.write(Buffer.from([(byte[0] ?? 0) ^ 0x01]), 0, 1, at);
    await handle.close();
    // The catalogue is made to agree, so only GCM authentication stands in the way.
    const { sha256 } = await digestFile(file);
    await h
      .deps()
      .db.withTables<{ 'tenantry.backups': { file_name: string; sha256: string } }>()
      .updateTable('tenantry.backups')
      .set({ sha256 })
      .where('file_name', '=', backup.fileName)
      .execute();

    await expectAppError(
      restoreBackup(h.deps({ encryptionKey: KEY }), 'vault', { file: backup.fileName }),
      'unprocessable',
      'authentication_failed',
    );
    expect(await snapshot(h.tdb, 'vault')).toEqual(current);
    expect(await leftovers()).toEqual([]);
  });
});
