import type { ColumnType, Generated, Kysely } from 'kysely';
import { tenantSchema } from '../tenancy.ts';
import type { DbOrTrx } from './database.ts';

/** Kysely's view of one tenant's schema (migrations/tenant), used through `withSchema`. */
export interface TenantDatabase {
  clients: ClientsTable;
  appointments: AppointmentsTable;
  files: FilesTable;
  file_chunks: FileChunksTable;
  file_imports: FileImportsTable;
}

/**
 * The tenant's schema through the control plane's pool or transaction (the same connections;
 * kysely's types only): for code that holds no tenant-typed instance of its own.
 */
export function tenantTables(db: DbOrTrx, tenantId: string): Kysely<TenantDatabase> {
  return (db as unknown as Kysely<TenantDatabase>).withSchema(tenantSchema(tenantId));
}

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface ClientsTable {
  id: Generated<string>;
  name: string;
  email: string | null;
  phone: string | null;
  company_context: string | null;
  company_context_original: string | null;
  context_processed_at: ColumnType<Date | null, Date | string | null, Date | string | null>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export type AppointmentStatus = 'scheduled' | 'confirmed' | 'cancelled' | 'completed';

export interface AppointmentsTable {
  id: Generated<string>;
  client_id: string;
  starts_at: Timestamp;
  ends_at: ColumnType<Date | null, Date | string | null, Date | string | null>;
  status: ColumnType<AppointmentStatus, AppointmentStatus | undefined, AppointmentStatus>;
  service: string | null;
  notes: string | null;
  /** When its reminder was queued by the appointment-reminders task (tenant migration 0002). */
  reminder_queued_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/**
 * Tenant migrations 0004-0005: a file is named (`path`, `stored_at`) once every chunk is stored;
 * replaced or deleted, it is retired (`retired_at`, no path) and its chunks kept for readers.
 */
export interface FilesTable {
  id: Generated<string>;
  path: string | null;
  content_type: string;
  byte_size: ColumnType<string, number | undefined, number>;
  chunk_count: ColumnType<number, number | undefined, number>;
  sha256: string | null;
  upload_token: Generated<string>;
  created_at: Generated<Date>;
  stored_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  retired_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface FileChunksTable {
  file_id: string;
  seq: number;
  data: Buffer;
}

export interface FileImportsTable {
  job_log_id: string;
  path: string;
  sha256: string;
  row_count: number;
  imported_at: Generated<Date>;
}
