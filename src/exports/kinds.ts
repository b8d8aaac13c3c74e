import type { ExportFormat, ExportType } from '../db/schema-job-logs.ts';

/** What can be exported, and how; a module of its own so the CLI can list them without loading exports. */
export const EXPORT_TYPES: readonly ExportType[] = ['clients', 'appointments', 'job_logs'];
export const EXPORT_FORMATS: readonly ExportFormat[] = ['csv', 'json'];
