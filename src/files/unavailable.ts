import { AppError } from '../errors.ts';

/**
 * A query on a tenant's files that met no files table: its schema renamed aside by a restore
 * under way, or not migrated to tenant migration 0004 (or 0005, which gave files `retired_at`).
 * A 503 to try again, not a server fault.
 */
export function filesUnavailable(err: unknown, tenantId: string): unknown {
  const { code, message } = err as { code?: unknown; message?: unknown };
  const unmigrated = code === '42703' && typeof message === 'string' && message.includes('retired_at');
  if (code !== '42P01' && code !== '3F000' && !unmigrated) return err;
  return new AppError(
    'unavailable',
    `tenant ${tenantId}'s files cannot be reached now (a restore is under way, or its schema lacks ` +
      'tenant migrations 0004-0005: run tenantry migrate)',
    { reason: 'files_unavailable', retry_after: 5 },
  );
}
