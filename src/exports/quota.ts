import { sql } from 'kysely';
import type { DbOrTrx } from '../db/database.ts';
import { AppError } from '../errors.ts';

/**
 * What one tenant may hold in exports: files are kept for EXPORT_TTL_HOURS and each export is
 * a job of its own, so without a bound one key could queue exports without end and fill the
 * database with their files (50 accepted in 15 s, 252 MB kept for a week, in a review).
 */
export interface ExportQuota {
  /** Exports waiting or running at once (EXPORT_MAX_ACTIVE). */
  maxActive: number;
  /** Bytes of the tenant's files still kept (EXPORT_MAX_BYTES_PER_TENANT). */
  maxBytes: number;
}

/** Advisory lock class of a tenant's export quota (beside the cache's 7_345_002, backups' 7_345_004). */
const EXPORT_QUOTA_LOCK = 7_345_006;

/** Seconds a refused client is told to wait: about one small export's run. */
export const EXPORT_RETRY_AFTER_S = 10;

/**
 * Refuses a new export of `tenantId` over its quota. Runs in the transaction that records the
 * export, under a lock per tenant held to its commit, so two requests cannot both take the
 * last place. Files of finished exports count until they expire; a deletion gives their room
 * back at once. The bytes are those of files already written: a tenant just under its quota
 * may still start its active exports, whatever their size (a bound on what is kept over time,
 * not on one file).
 */
export async function checkExportQuota(trx: DbOrTrx, tenantId: string, quota: ExportQuota): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(${EXPORT_QUOTA_LOCK}, hashtext(${tenantId}))`.execute(trx);
  const { rows } = await sql<{ active: number; bytes: string }>`
    SELECT count(*) FILTER (WHERE e.completed_at IS NULL AND l.status IN ('pending', 'running'))::int AS active,
           coalesce(sum(e.byte_size) FILTER (WHERE e.completed_at IS NOT NULL AND e.expires_at > now()), 0)::text AS bytes
    FROM tenantry.exports e LEFT JOIN tenantry.job_logs l ON l.id = e.job_log_id
    WHERE e.tenant_id = ${tenantId} AND e.deleted_at IS NULL`.execute(trx);
  const { active, bytes } = rows[0] ?? { active: 0, bytes: '0' };
  if (active >= quota.maxActive) {
    throw new AppError(
      'rate_limited',
      `tenant ${tenantId} has ${active} exports waiting or running, the most it may have at once ` +
        `(EXPORT_MAX_ACTIVE is ${quota.maxActive}); start this one when one of them has ended`,
      { reason: 'export_limit_reached', retry_after: EXPORT_RETRY_AFTER_S },
    );
  }
  if (Number(bytes) >= quota.maxBytes) {
    throw new AppError(
      'conflict',
      `tenant ${tenantId} keeps ${bytes} bytes of export files, its quota (EXPORT_MAX_BYTES_PER_TENANT is ` +
        `${quota.maxBytes}); delete an export it no longer needs, or wait until one expires`,
      { reason: 'export_quota_exceeded' },
    );
  }
}
