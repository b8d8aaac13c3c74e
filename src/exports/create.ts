import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import { sqlState } from '../db/errors.ts';
import type { ExportFormat, ExportType } from '../db/schema-job-logs.ts';
import { AppError } from '../errors.ts';
import { dispatchJobs } from '../jobs/dispatch.ts';
import type { TaskRegistry } from '../jobs/registry.ts';
import { checkExportQuota, type ExportQuota } from './quota.ts';
import { CONTENT_TYPES, type ExportFilters, validateFilters } from './types.ts';

export interface NewExport {
  tenantId: string;
  type: ExportType;
  format: ExportFormat;
  filters: Record<string, unknown>;
  ttlHours: number;
  /** Refuse the export over this tenant quota (API and CLI); none: no bound (the demo seed). */
  quota?: ExportQuota;
}

/** Records the export and dispatches its job in one transaction: both exist or neither. */
export async function createExport(db: Db, registry: TaskRegistry, spec: NewExport) {
  const filters = validateFilters(spec.type, spec.filters);
  try {
    return await insertExport(db, registry, spec, filters);
  } catch (err) {
    // The tenant foreign key is the existence check, as in dispatch: no extra round trip.
    if (sqlState(err) === '23503') {
      throw new AppError('not_found', `tenant ${spec.tenantId} does not exist`, { field: 'tenant' });
    }
    throw err;
  }
}

function insertExport(db: Db, registry: TaskRegistry, spec: NewExport, filters: ExportFilters) {
  return db.transaction().execute(async (trx) => {
    if (spec.quota) await checkExportQuota(trx, spec.tenantId, spec.quota);
    const { id } = await trx
      .insertInto('tenantry.exports')
      .values({
        tenant_id: spec.tenantId,
        export_type: spec.type,
        format: spec.format,
        filters: JSON.stringify(filters),
        filename: '',
        content_type: CONTENT_TYPES[spec.format],
        expires_at: sql<Date>`now() + make_interval(hours => ${spec.ttlHours}::int)`,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const [job] = await dispatchJobs(trx, registry, [
      {
        task: 'export-data',
        tenant: spec.tenantId,
        payload: { export_id: id },
        source: { type: 'export', id },
      },
    ]);
    await trx
      .updateTable('tenantry.exports')
      .set({ job_log_id: job!.id, filename: `${spec.type}-${id}.${spec.format}` })
      .where('id', '=', id)
      .execute();
    return { id, jobLogId: job!.id };
  });
}
