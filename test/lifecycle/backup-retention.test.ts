import { copyFile, readdir, truncate, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  backupStats,
  createBackup,
  humanSize,
  listBackups,
  pruneBackups,
  restoreBackup,
} from '../../src/lifecycle/backup/index.ts';
import { backupFileName, TEMP_PREFIX } from '../../src/lifecycle/backup/paths.ts';
import { addTenant, type BackupHarness, backupHarness, events, expectAppError, seed } from './fixtures.ts';

describe.skipIf(Boolean(inject('pgToolsMissing')))('backup listing and retention', () => {
  let h: BackupHarness;
  beforeAll(async () => {
    h = await backupHarness();
    await addTenant(h.tdb, 'keeper');
    await seed(h.tdb, 'keeper');
  });
  afterAll(() => h.close());

  const files = async () => (await readdir(path.join(h.backupDir, 'keeper'))).sort();

  it('lists newest first, sums sizes and keeps only the newest N', async () => {
    const empty = await backupStats(h.deps(), 'keeper');
    expect(empty).toEqual({
      count: 0,
      totalBytes: 0,
      totalSize: '0 B',
      newest: null,
      oldest: null,
      missing: 0,
    });

    const made = [];
    for (let i = 0; i < 4; i++) made.push(await createBackup(h.deps(), 'keeper'));
    const listed = await listBackups(h.deps(), 'keeper');
    expect(listed.map((b) => b.fileName)).toEqual(made.map((b) => b.fileName).reverse());

    const stats = await backupStats(h.deps(), 'keeper');
    const total = made.reduce((sum, b) => sum + b.sizeBytes, 0);
    expect(stats).toMatchObject({ count: 4, totalBytes: total, totalSize: humanSize(total) });
    expect(stats.newest?.fileName).toBe(made[3]?.fileName);
    expect(stats.oldest?.fileName).toBe(made[0]?.fileName);

    // A temporary file abandoned long ago goes with the prune; a fresh one is left alone.
    const stale = path.join(h.backupDir, 'keeper', `${TEMP_PREFIX}dump-stale`);
    const fresh = path.join(h.backupDir, 'keeper', `${TEMP_PREFIX}dump-fresh`);
    await writeFile(stale, 'x');
    await writeFile(fresh, 'x');
    const longAgo = new Date(Date.now() - 3 * 60 * 60 * 1000);
    await utimes(stale, longAgo, longAgo);

    const result = await pruneBackups(h.deps(), 'keeper', 2);
    expect(result.kept).toBe(2);
    expect(result.removed.map((b) => b.fileName)).toEqual([made[1]?.fileName, made[0]?.fileName]);
    expect(result.staleTempFiles).toBe(1);
    expect((await listBackups(h.deps(), 'keeper')).map((b) => b.fileName)).toEqual([
      made[3]?.fileName,
      made[2]?.fileName,
    ]);
    expect(await files()).toEqual([`${TEMP_PREFIX}dump-fresh`, made[2]?.fileName, made[3]?.fileName].sort());

    const again = await pruneBackups(h.deps(), 'keeper', 2);
    expect(again).toEqual({ kept: 2, removed: [], staleTempFiles: 0, adopted: [] });
  });

  it('refuses to keep fewer than one backup', async () => {
    for (const keep of [0, -1, 1.5, Number.NaN]) {
      await expectAppError(pruneBackups(h.deps(), 'keeper', keep), 'validation_failed');
    }
    expect((await listBackups(h.deps(), 'keeper')).length).toBe(2);
  });

  it('records a whole backup no row lists (a run died as it published it), dated when it was written', async () => {
    const [newest] = await listBackups(h.deps(), 'keeper');
    const dir = path.join(h.backupDir, 'keeper');
    const written = new Date(Date.now() - 2 * 60 * 60 * 1000);
    const orphan = backupFileName('keeper', written, 1, false);
    const fresh = backupFileName('keeper', new Date(Date.now() - 60 * 60 * 1000), 1, false);
    await copyFile(path.join(dir, newest!.fileName), path.join(dir, orphan));
    await copyFile(path.join(dir, newest!.fileName), path.join(dir, fresh));
    await utimes(path.join(dir, orphan), written, written);

    // A file just written may be a publish still under way: left alone until it is old.
    const result = await pruneBackups(h.deps(), 'keeper', 5);
    expect(result.adopted).toEqual([orphan]);
    const listed = await listBackups(h.deps(), 'keeper');
    expect(listed.map((b) => b.fileName)).toEqual([newest!.fileName, expect.any(String), orphan]);
    expect(listed[2]).toMatchObject({ sha256: newest!.sha256, sizeBytes: newest!.sizeBytes, missing: false });
    expect(listed[2]!.createdAt.getTime()).toBe(written.getTime());
    expect(await events(h.tdb, 'keeper', 'backed_up')).toContainEqual(
      expect.objectContaining({ file_name: orphan, adopted: true }),
    );
    // It restores like any other (its checksum and archive are checked first).
    const restored = await restoreBackup(h.deps(), 'keeper', { file: orphan });
    expect(restored.backup.fileName).toBe(orphan);
    expect((await pruneBackups(h.deps(), 'keeper', 5)).adopted).toEqual([]);
  });

  it('does not count a backup cut short among those it keeps', async () => {
    const made = [];
    for (let i = 0; i < 2; i++) made.push(await createBackup(h.deps(), 'keeper'));
    const before = await listBackups(h.deps(), 'keeper');
    // The newest file cut short (a disk that filled, a copy interrupted): keeping 1 kept it alone.
    await truncate(path.join(h.backupDir, 'keeper', made[1]!.fileName), 100);
    const result = await pruneBackups(h.deps(), 'keeper', 1);
    expect(result.removed.map((b) => b.fileName)).toEqual(before.slice(2).map((b) => b.fileName));
    expect((await listBackups(h.deps(), 'keeper')).map((b) => b.fileName)).toEqual([
      made[1]!.fileName,
      made[0]!.fileName,
    ]);
  });

  it('runs two prunes of a tenant one after the other: every row left has its file', async () => {
    for (let i = 0; i < 3; i++) await createBackup(h.deps(), 'keeper');
    // Old enough to be taken for files a dead run left, were one prune to meet another's.
    const longAgo = new Date(Date.now() - 3 * 60 * 60 * 1000);
    for (const name of await files()) await utimes(path.join(h.backupDir, 'keeper', name), longAgo, longAgo);
    await Promise.all([pruneBackups(h.deps(), 'keeper', 1), pruneBackups(h.deps(), 'keeper', 1)]);
    const listed = await listBackups(h.deps(), 'keeper');
    expect(listed.filter((b) => b.missing)).toEqual([]);
    expect((await files()).filter((f) => !f.startsWith(TEMP_PREFIX))).toEqual(
      listed.map((b) => b.fileName).sort(),
    );
  });

  it('prints sizes the way people read them', () => {
    expect(humanSize(0)).toBe('0 B');
    expect(humanSize(1023)).toBe('1023 B');
    expect(humanSize(1536)).toBe('1.50 KiB');
    expect(humanSize(125.4 * 1024 * 1024)).toBe('125.4 MiB');
    expect(humanSize(3 * 1024 ** 4)).toBe('3.00 TiB');
  });
});
