import { access } from 'node:fs/promises';
import path from 'node:path';
import { type Selectable, sql } from 'kysely';
import { checkTenantId, tenantBackupDir } from './paths.ts';
import { type Backup, type BackupDeps, type BackupsTable, backupDb } from './types.ts';

export function toBackup(row: Selectable<BackupsTable>): Backup {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    fileName: row.file_name,
    sizeBytes: Number(row.size_bytes),
    sha256: row.sha256,
    encrypted: row.encrypted,
    createdAt: row.created_at,
  };
}

/** Where to look for the files: with it, each backup says whether its file is there. */
export type ListDeps = Pick<BackupDeps, 'db'> & { backupDir?: string | undefined };

/**
 * Marks the backups whose file is not in the tenant's backup directory. The catalogue is what
 * a backup wrote; the directory is what a restore can read, and the two part when a file is
 * deleted by hand or the volume is lost.
 */
async function markMissing(backups: Backup[], backupDir: string, tenantId: string): Promise<void> {
  const dir = tenantBackupDir(backupDir, tenantId);
  await Promise.all(
    backups.map(async (b) => {
      // Only "no such file": a file that cannot be read now (permissions, an I/O error) is
      // still there, and a restore reports what is wrong with it.
      b.missing = await access(path.join(dir, b.fileName)).then(
        () => false,
        (err: NodeJS.ErrnoException) => err.code === 'ENOENT',
      );
    }),
  );
}

/** The tenant's recorded backups, newest first; with `backupDir`, each says whether its file is missing. */
export async function listBackups(deps: ListDeps, tenantId: string): Promise<Backup[]> {
  return (await listBackupPage(deps, tenantId)).map((entry) => entry.backup);
}

/**
 * A page of the tenant's backups, newest first, after `after` (the cursor of the last one of
 * the page before). The cursor is the row's created_at as PostgreSQL writes it (microseconds:
 * a Date would cut them and skip or repeat rows) and its id.
 */
export async function listBackupPage(
  deps: ListDeps,
  tenantId: string,
  page: { limit?: number; after?: [string, string] | undefined } = {},
): Promise<{ backup: Backup; cursor: [string, string] }[]> {
  checkTenantId(tenantId);
  let query = backupDb(deps.db)
    .selectFrom('tenantry.backups')
    .selectAll()
    .select(sql<string>`created_at::text`.as('cursor_at'))
    .where('tenant_id', '=', tenantId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc');
  if (page.after) {
    const [at, id] = page.after;
    query = query.where(sql<boolean>`(created_at, id) < (${at}::timestamptz, ${id}::bigint)`);
  }
  if (page.limit !== undefined) query = query.limit(page.limit);
  const rows = await query.execute();
  const backups = rows.map(({ cursor_at: _, ...row }) => toBackup(row));
  if (deps.backupDir !== undefined) await markMissing(backups, deps.backupDir, tenantId);
  return backups.map((backup, i) => ({ backup, cursor: [rows[i]!.cursor_at, backup.id] }));
}

export interface BackupStats {
  count: number;
  totalBytes: number;
  /** e.g. "125.4 MiB". */
  totalSize: string;
  /** The newest and oldest a restore can use (with `backupDir`: whose file is there). */
  newest: Backup | null;
  oldest: Backup | null;
  /** Recorded backups whose file is missing (0 when listed without `backupDir`). */
  missing: number;
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

export function humanSize(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 2 : 1)} ${UNITS[unit]}`;
}

/** Counts and sizes of the backups a restore can use; those whose file is missing apart. */
export async function backupStats(deps: ListDeps, tenantId: string): Promise<BackupStats> {
  const all = await listBackups(deps, tenantId);
  const backups = all.filter((b) => !b.missing);
  const totalBytes = backups.reduce((sum, b) => sum + b.sizeBytes, 0);
  return {
    count: backups.length,
    totalBytes,
    totalSize: humanSize(totalBytes),
    newest: backups[0] ?? null,
    oldest: backups.at(-1) ?? null,
    missing: all.length - backups.length,
  };
}
