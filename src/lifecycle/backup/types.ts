import type { ColumnType, Generated, Kysely } from 'kysely';
import type { Db } from '../../db/database.ts';
import type { TenantryDatabase } from '../../db/schema.ts';

/** What backup and restore need from the application; built from Config by the caller. */
export interface BackupDeps {
  db: Db;
  /** The URL `db` connects with; handed to pg_dump/pg_restore through PG* variables. */
  connectionString: string;
  /** Root of the per-tenant directories, `BACKUP_DIR`. */
  backupDir: string;
  /** 32 bytes. Set: new backups are encrypted at rest; needed to restore encrypted ones. */
  encryptionKey?: Buffer | undefined;
  /** Limit for each pg_dump / pg_restore run, and for waiting on the tenant's backup lock. */
  timeoutMs: number;
  /** Directory holding pg_dump and pg_restore; unset means PATH. */
  pgBinDir?: string | undefined;
  /** Aborts a running dump or restore (worker shutdown, job cancellation). */
  signal?: AbortSignal | undefined;
  /** Stops the tenant's jobs from starting; the returned function resumes them. */
  pauseJobs?: ((tenantId: string) => Promise<() => Promise<void>>) | undefined;
  /** Drops whatever the tenant cache holds; called once the restored data is live. */
  flushCache?: ((tenantId: string) => Promise<void>) | undefined;
}

export interface Backup {
  id: string;
  tenantId: string;
  fileName: string;
  sizeBytes: number;
  sha256: string;
  encrypted: boolean;
  createdAt: Date;
  /** Its file is not in BACKUP_DIR (deleted, a volume lost): listed, never restorable. Set when listed with the directory. */
  missing?: boolean;
}

export type TenantEventType =
  | 'provisioned'
  | 'status_changed'
  | 'settings_updated'
  | 'backed_up'
  | 'restored'
  | 'maintenance'
  | 'key_created'
  | 'key_revoked';

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;

export type BackupsTable = {
  id: Generated<string>;
  tenant_id: string;
  file_name: string;
  size_bytes: ColumnType<string, number, never>;
  sha256: string;
  encrypted: boolean;
  created_at: CreatedAt;
};

export type TenantEventsTable = {
  id: Generated<string>;
  tenant_id: string;
  type: TenantEventType;
  data: ColumnType<Record<string, unknown>, string | undefined, never>;
  created_at: CreatedAt;
};

/**
 * The tables of migration 0004 as kysely sees them, added to the control-plane handle.
 * Type aliases, not interfaces: `withTables` needs their implicit index signatures.
 */
export type BackupTables = {
  'tenantry.backups': BackupsTable;
  'tenantry.tenant_events': TenantEventsTable;
};

export type BackupDb = Kysely<TenantryDatabase & BackupTables>;

export function backupDb(db: Db | Kysely<TenantryDatabase>): BackupDb {
  return db.withTables<BackupTables>();
}
