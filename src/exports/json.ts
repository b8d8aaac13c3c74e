import { redactPaths } from '../job-logs/redact-paths.ts';
import type { ExportRow } from './repository.ts';

const num = (v: string | null) => (v === null ? null : Number(v));

/** The API's snake_case view of one export. */
export function exportJson(row: ExportRow) {
  const completed = row.status === 'completed';
  return {
    id: row.id,
    tenant: row.tenant_id,
    job_log_id: row.job_log_id,
    export_type: row.export_type,
    format: row.format,
    filters: row.filters as Record<string, string>,
    status: row.status,
    progress: completed ? 100 : (row.progress ?? 0),
    step: row.step ?? null,
    // A failed export's message can name files under the installation (DATA_DIR by default).
    error_message: redactPaths(row.error_message ?? null),
    filename: row.filename,
    content_type: row.content_type,
    row_count: num(row.row_count),
    byte_size: num(row.byte_size),
    created_at: row.created_at.toISOString(),
    completed_at: row.completed_at?.toISOString() ?? null,
    expires_at: row.expires_at.toISOString(),
    download_url: completed ? `/api/exports/${row.id}/download` : null,
  };
}
