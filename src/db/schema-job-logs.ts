import type { ColumnType, Generated } from 'kysely';

/** Tables of the job-logs feature (exports and their stored files), merged into TenantryDatabase. */
export type JobLogFeatureTables = {
  'tenantry.exports': ExportsTable;
  'tenantry.export_chunks': ExportChunksTable;
  'tenantry.callback_secrets': CallbackSecretsTable;
  'tenantry.alert_state': AlertStateTable;
  'tenantry.job_log_failures': JobLogFailuresTable;
};

export type ExportType = 'clients' | 'appointments' | 'job_logs';
export type ExportFormat = 'csv' | 'json';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

export interface ExportsTable {
  id: Generated<string>;
  tenant_id: string;
  job_log_id: string | null;
  export_type: ExportType;
  format: ExportFormat;
  filters: ColumnType<Record<string, unknown>, string | undefined, string>;
  filename: string;
  content_type: string;
  row_count: string | null;
  byte_size: string | null;
  chunk_count: number | null;
  completed_at: NullableTimestamp;
  created_at: ColumnType<Date, Date | string | undefined, never>;
  expires_at: Timestamp;
  /** Deleted by its tenant: hidden at once, removed with its chunks by the hourly sweep. */
  deleted_at: NullableTimestamp;
}

export interface ExportChunksTable {
  export_id: string;
  seq: number;
  data: Buffer;
}

export interface CallbackSecretsTable {
  tenant_id: string;
  secret: string;
  created_at: ColumnType<Date, Date | string | undefined, never>;
}

export interface AlertStateTable {
  name: string;
  fired_at: Timestamp;
}

/** Failed and cancelled job logs, kept by triggers only (migrations/0045): read, never written. */
export interface JobLogFailuresTable {
  log_id: ColumnType<string, never, never>;
  outcome: ColumnType<'failed' | 'cancelled', never, never>;
  log_tenant: ColumnType<string | null, never, never>;
  log_created_at: ColumnType<Date, never, never>;
}
