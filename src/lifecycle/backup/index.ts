/**
 * Tenant backups and restores: the library behind the backup jobs, HTTP routes and CLI.
 *
 * Files: `BACKUP_DIR/<id>/tenant_<id>_<UTC YYYY-MM-DD_HH-MM-SS>[_<n>].dump[.enc]`, a
 * `pg_dump -Fc -Z6` archive of schema `tenant_<id>`, optionally sealed with AES-256-GCM
 * (encryption.ts). Temporary files are dot-files in the same directory, so every rename is
 * atomic and nothing half-written can ever be named by a client.
 *
 * Invariants:
 * - A `backups` row exists only for a file that pg_restore has read back; its size and
 *   SHA-256 are checked before any restore, so the row is the trust anchor, not the file.
 * - A restore either makes the backup's data live or leaves the previous data live; it never
 *   leaves a mixture. A process dying midway is repaired by the next restore of that tenant
 *   (recoverInterruptedRestore).
 * - Per tenant, backups and prunes may overlap each other; a restore runs alone (lock.ts).
 * - pg_dump / pg_restore run without a shell, under a time limit, with the connection in
 *   PG* environment variables.
 *
 * Errors are AppErrors: validation_failed (bad id or file name), not_found (tenant, backup),
 * conflict (lock held, schema missing), unprocessable with `extensions.reason` (checksum_mismatch,
 * wrong_key, authentication_failed, encryption_key_missing, unreadable_archive, wrong_archive,
 * unsafe_path), unavailable (client tools missing, too old, timed out or aborted), internal.
 */
export type { BackupCheckReport, ToolCheck } from './check.ts';
export { checkBackupTools } from './check.ts';
export type { RestoreChoice } from './choose.ts';
export { chooseRestoreBackup } from './choose.ts';
export { createBackup } from './create.ts';
export type { BackupStats } from './list.ts';
export { backupStats, humanSize, listBackupPage, listBackups } from './list.ts';
export type { PruneResult } from './prune.ts';
export { pruneBackups } from './prune.ts';
export type { RestoreResult, RestoreSource } from './restore.ts';
export { restoreBackup } from './restore.ts';
export { recoverInterruptedRestore } from './swap.ts';
export { recordTenantEvent } from './tenant.ts';
export type { Backup, BackupDeps, BackupTables, TenantEventType } from './types.ts';
