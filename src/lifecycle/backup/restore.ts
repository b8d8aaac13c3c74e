import { AppError, invalid, notFound } from '../../errors.ts';
import { verifyArchive } from './archive.ts';
import { decryptFile } from './encryption.ts';
import { digestFile, removeQuietly } from './files.ts';
import { listBackups, toBackup } from './list.ts';
import { withTenantBackupLock } from './lock.ts';
import { checkBackupFileName, resolveBackupFile, tempPath, tenantBackupDir } from './paths.ts';
import { recoverInterruptedRestore, swapInArchive } from './swap.ts';
import { recordTenantEvent, requireTenant } from './tenant.ts';
import { terminateOrphanedToolSessions } from './tool-sessions.ts';
import { type Backup, type BackupDeps, backupDb } from './types.ts';

export type RestoreSource = { file: string } | { latest: true };

export interface RestoreResult {
  backup: Backup;
  durationMs: number;
  /** What a previously interrupted restore left behind and this one repaired first. */
  recovered: 'dropped_stale_copy' | 'put_back_live_schema' | null;
  /** Steps after the new data went live that failed (cache flush, dropping the old copy, resuming jobs). */
  warnings: string[];
}

async function findBackup(deps: BackupDeps, tenantId: string, source: RestoreSource): Promise<Backup> {
  if (!('file' in source)) {
    // The newest a restore can read: a recorded backup whose file is gone is passed over.
    const all = await listBackups(deps, tenantId);
    const newest = all.find((b) => !b.missing);
    if (newest) return newest;
    if (all.length === 0) throw notFound(`a backup of tenant ${tenantId}`);
    throw new AppError(
      'not_found',
      `none of the ${all.length} recorded backups of tenant ${tenantId} has its file in BACKUP_DIR`,
      { field: 'latest', reason: 'backup_files_missing' },
    );
  }
  if (typeof source.file !== 'string') throw invalid('backup', 'must be a file name');
  checkBackupFileName(tenantId, source.file);
  const row = await backupDb(deps.db)
    .selectFrom('tenantry.backups')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('file_name', '=', source.file)
    .executeTakeFirst();
  if (!row) throw notFound(`backup ${source.file} of tenant ${tenantId}`);
  return toBackup(row);
}

const refuse = (backup: Backup, reason: string, message: string) =>
  new AppError('unprocessable', `backup ${backup.fileName} ${message}; nothing was changed`, { reason });

async function checkDigest(file: string, backup: Backup): Promise<void> {
  const digest = await digestFile(file);
  if (digest.sizeBytes !== backup.sizeBytes || digest.sha256 !== backup.sha256) {
    throw refuse(
      backup,
      'checksum_mismatch',
      'does not match the size and SHA-256 recorded when it was taken',
    );
  }
}

/**
 * Replaces the tenant's data with a recorded backup. Everything that can reject the backup
 * (name, checksum, decryption, archive contents) runs before the tenant's jobs are paused
 * or its schema touched; the swap itself leaves the previous data in place on any failure.
 */
export async function restoreBackup(
  deps: BackupDeps,
  tenantId: string,
  source: RestoreSource,
): Promise<RestoreResult> {
  await requireTenant(deps.db, tenantId);
  const dir = tenantBackupDir(deps.backupDir, tenantId);
  return withTenantBackupLock(deps.db, tenantId, 'exclusive', deps.timeoutMs, async (lock) => {
    const started = Date.now();
    const backup = await findBackup(deps, tenantId, source);
    const file = await resolveBackupFile(deps.backupDir, tenantId, backup.fileName);
    let plainFile: string | undefined;
    try {
      let archive = file;
      if (backup.encrypted) {
        await checkDigest(file, backup);
        if (!deps.encryptionKey) {
          throw refuse(backup, 'encryption_key_missing', 'is encrypted and BACKUP_ENCRYPTION_KEY is not set');
        }
        plainFile = tempPath(dir, 'restore');
        await decryptFile(file, plainFile, deps.encryptionKey, backup.fileName);
        archive = plainFile;
        await verifyArchive(deps, tenantId, archive, backup.fileName);
      } else {
        // Both only read the file, so they overlap; a checksum mismatch is the error reported first.
        const [digested, listed] = await Promise.allSettled([
          checkDigest(file, backup),
          verifyArchive(deps, tenantId, file, backup.fileName),
        ]);
        if (digested.status === 'rejected') throw digested.reason;
        if (listed.status === 'rejected') throw listed.reason;
      }

      // A restore or backup whose process died may have left its pg_restore / pg_dump running,
      // holding what the recovery below must take; holding the lock exclusively, this is
      // the one place that knows they are orphans.
      const orphansEnded = await terminateOrphanedToolSessions(deps.db, tenantId);
      const recovered = await recoverInterruptedRestore(deps.db, tenantId, deps.timeoutMs);
      const resume = await deps.pauseJobs?.(tenantId);
      const warnings: string[] = [];
      try {
        warnings.push(...(await swapInArchive(deps, tenantId, archive, lock)));
      } catch (err) {
        await resume?.().catch(() => {});
        throw err;
      }
      // The new data is live: from here on failures are reported, never thrown, so that a
      // retry does not restore a second time.
      const durationMs = Date.now() - started;
      const attempt = async (what: string, step: () => Promise<unknown>) => {
        try {
          await step();
        } catch (err) {
          warnings.push(`${what} failed: ${(err as Error).message}`);
        }
      };
      await attempt('recording the restored event', () =>
        recordTenantEvent(deps.db, tenantId, 'restored', {
          file_name: backup.fileName,
          sha256: backup.sha256,
          encrypted: backup.encrypted,
          backup_created_at: backup.createdAt.toISOString(),
          duration_ms: durationMs,
          ...(recovered ? { recovered } : {}),
          ...(orphansEnded > 0 ? { orphaned_tool_sessions_ended: orphansEnded } : {}),
        }),
      );
      if (deps.flushCache) await attempt('flushing the tenant cache', () => deps.flushCache!(tenantId));
      if (resume) await attempt('resuming the tenant jobs', resume);
      return { backup, durationMs, recovered, warnings };
    } finally {
      await removeQuietly(plainFile);
    }
  });
}
