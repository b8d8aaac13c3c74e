import { stat } from 'node:fs/promises';
import path from 'node:path';
import { invalid } from '../../errors.ts';
import { adoptUnlistedBackups } from './adopt.ts';
import { removeQuietly, removeStaleTempFiles, syncDir } from './files.ts';
import { listBackups, toBackup } from './list.ts';
import { withTenantBackupLock, withTenantPruneLock } from './lock.ts';
import { tenantBackupDir } from './paths.ts';
import { requireTenant } from './tenant.ts';
import { type Backup, type BackupDeps, backupDb } from './types.ts';

export interface PruneResult {
  kept: number;
  removed: Backup[];
  /** Temporary files of runs that died before finishing, removed along the way. */
  staleTempFiles: number;
  /** Whole backup files no row listed (a run died as it published them), recorded first. */
  adopted: string[];
}

/**
 * Keeps the newest `keep` backups of the tenant whose file is there, whole, and deletes the rest, rows
 * first: a crash between the two steps leaves an unlisted file (disk space), never a listed
 * backup whose file is gone. A recorded backup whose file is missing is not one of those kept
 * (counting it, `--keep 7` left fewer than 7 to restore from), and its row stays, marked
 * missing: a volume that failed to mount shows every file missing, and the catalogue of the
 * backups on it (names, checksums) must outlive that.
 * Runs under the shared backup lock, so it never deletes a file a restore is reading, and
 * one prune of the tenant at a time (another's adoption would record a file this one is
 * about to delete).
 */
export async function pruneBackups(
  deps: Pick<BackupDeps, 'db' | 'backupDir' | 'timeoutMs'>,
  tenantId: string,
  keep: number,
): Promise<PruneResult> {
  if (!Number.isInteger(keep) || keep < 1) throw invalid('keep', 'must be a whole number of at least 1');
  await requireTenant(deps.db, tenantId);
  const dir = tenantBackupDir(deps.backupDir, tenantId);
  const locked = <T>(fn: () => Promise<T>) =>
    withTenantBackupLock(deps.db, tenantId, 'shared', deps.timeoutMs, () =>
      withTenantPruneLock(deps.db, tenantId, deps.timeoutMs, fn),
    );
  return locked(async () => {
    const db = backupDb(deps.db);
    // A run in progress is bounded by the tool time limit; anything older is abandoned.
    const adopted = await adoptUnlistedBackups(deps, tenantId, dir, 2 * deps.timeoutMs);
    const listed = await listBackups({ db: deps.db }, tenantId);
    // Only a file that is there, at the size recorded, counts among the `keep`: one missing or
    // cut short is no backup to count on, so an older whole one is kept in its place, and its
    // row stays.
    const whole = [];
    for (const b of listed) {
      const size = (await stat(path.join(dir, b.fileName)).catch(() => undefined))?.size;
      if (size === b.sizeBytes) whole.push(b);
    }
    const doomed = whole.slice(keep);
    const rows =
      doomed.length === 0
        ? []
        : await db
            .deleteFrom('tenantry.backups')
            .where('tenant_id', '=', tenantId)
            .where(
              'id',
              'in',
              doomed.map((b) => b.id),
            )
            .returningAll()
            .execute();
    for (const row of rows) await removeQuietly(path.join(dir, row.file_name));
    if (rows.length > 0) await syncDir(dir);
    const staleTempFiles = await removeStaleTempFiles(dir, 2 * deps.timeoutMs);
    const removed = rows.map(toBackup).sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
    const { count } = await db
      .selectFrom('tenantry.backups')
      .select((eb) => eb.fn.countAll<string>().as('count'))
      .where('tenant_id', '=', tenantId)
      .executeTakeFirstOrThrow();
    return { kept: Number(count), removed, staleTempFiles, adopted };
  });
}
