import { AppError } from '../errors.ts';

/**
 * A query on a tenant's files that met no files table: its schema renamed aside by a restore
 * under way, or not migrated to tenant migration 0004. A 503 to try again, not a server fault.
 */
export function filesUnavailable(err: unknown, tenantId: string): unknown {
  const code = (err as { code?: unknown }).code;
  if (code !== '42P01' && code !== '3F000') return err;
  return new AppError(
    'unavailable',
    `tenant ${tenantId}'s files cannot be reached now (a restore is under way, or its schema lacks ` +
      'tenant migration 0004: run tenantry migrate)',
    { reason: 'files_unavailable', retry_after: 5 },
  );
}
