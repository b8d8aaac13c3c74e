import { AppError, invalid } from '../../errors.ts';
import { type ListDeps, listBackups } from './list.ts';
import { isBackupFileName } from './paths.ts';

/** What a restore is asked for: a named backup of the tenant, or its newest usable one. */
export type RestoreChoice = { backup: string } | { latest: true };

/**
 * The backup a restore job will restore, judged against the catalogue at dispatch (the API
 * and the CLI): a wrong name, a file gone from BACKUP_DIR or a tenant without backups is a
 * 400/404 before any job exists, and the job restores exactly the file checked here.
 * The tenant's existence is the caller's check.
 */
export async function chooseRestoreBackup(
  deps: ListDeps,
  tenantId: string,
  choice: RestoreChoice,
): Promise<string> {
  if ('backup' in choice && !isBackupFileName(tenantId, choice.backup)) {
    throw invalid('backup', `is not a backup file name of tenant ${tenantId}`);
  }
  const backups = await listBackups(deps, tenantId);
  const chosen =
    'backup' in choice ? backups.find((b) => b.fileName === choice.backup) : backups.find((b) => !b.missing);
  if (chosen?.missing) {
    throw new AppError('not_found', `the file of backup ${chosen.fileName} is missing from BACKUP_DIR`, {
      field: 'backup',
      reason: 'backup_file_missing',
    });
  }
  if (chosen) return chosen.fileName;
  throw new AppError(
    'not_found',
    'backup' in choice
      ? `backup ${choice.backup} of tenant ${tenantId} was not found`
      : backups.length > 0
        ? `none of the ${backups.length} recorded backups of tenant ${tenantId} has its file in BACKUP_DIR`
        : `tenant ${tenantId} has no backups`,
    { field: 'backup' in choice ? 'backup' : 'latest' },
  );
}
