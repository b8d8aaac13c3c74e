import type { Selectable } from 'kysely';
import { checkTenantId } from './paths.ts';
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

/** The tenant's recorded backups, newest first. */
export async function listBackups(deps: Pick<BackupDeps, 'db'>, tenantId: string): Promise<Backup[]> {
  checkTenantId(tenantId);
  const rows = await backupDb(deps.db)
    .selectFrom('tenantry.backups')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
  return rows.map(toBackup);
}

export interface BackupStats {
  count: number;
  totalBytes: number;
  /** e.g. "125.4 MiB". */
  totalSize: string;
  newest: Backup | null;
  oldest: Backup | null;
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

export async function backupStats(deps: Pick<BackupDeps, 'db'>, tenantId: string): Promise<BackupStats> {
  const backups = await listBackups(deps, tenantId);
  const totalBytes = backups.reduce((sum, b) => sum + b.sizeBytes, 0);
  return {
    count: backups.length,
    totalBytes,
    totalSize: humanSize(totalBytes),
    newest: backups[0] ?? null,
    oldest: backups.at(-1) ?? null,
  };
}
