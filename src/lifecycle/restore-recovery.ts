import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import { AppError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { withTenantBackupLock } from './backup/lock.ts';
import { recoverInterruptedRestore } from './backup/swap.ts';
import { recordTenantEvent } from './backup/tenant.ts';
import { terminateOrphanedToolSessions } from './backup/tool-sessions.ts';
import { changeStatus, PAUSE_REASON } from './status.ts';

/**
 * A restore pauses its tenant (inactive, "restore in progress") and resumes it at the end, all
 * while holding the tenant's backup lock on a session of its own. When its process is killed
 * (SIGKILL, OOM, a lost machine) the lock goes with that session, and nothing else resumes the
 * tenant: its keys were refused and its jobs held until an operator noticed. So a tenant paused
 * so whose lock is free has lost its restore: it is finished here, as the next restore would
 * begin: the dead run's pg_restore / pg_dump sessions ended, the previous schema put back, and
 * the tenant made active again. A restore still running holds the lock and is passed by.
 * A finished restore whose old copy could not be dropped at once (readers held it) left it as
 * `__superseded`; it is dropped here once they let go, not kept until the next restore, and so
 * is a `__pre_restore` the live schema says a finished restore left (it could not even be
 * renamed); any other `__pre_restore` beside a tenant that is not paused is left alone (see
 * recoverInterruptedRestore).
 * Returns the tenants whose interrupted restore was finished.
 */
export async function recoverAbandonedRestores(
  db: Db,
  lockTimeoutMs: number,
  logger: Logger,
): Promise<string[]> {
  const { rows } = await sql<{ id: string }>`
    SELECT id FROM tenantry.tenants
    WHERE (status = 'inactive' AND status_reason = ${PAUSE_REASON})
       OR id IN (SELECT substring(n.nspname FROM '^tenant_(.*)__(superseded|pre_restore)$') FROM pg_namespace n
                 WHERE n.nspname LIKE 'tenant%\\_\\_superseded' OR n.nspname LIKE 'tenant%\\_\\_pre\\_restore')
    ORDER BY id`.execute(db);
  const recovered: string[] = [];
  for (const { id } of rows) {
    try {
      // 1 ms: a lock that is held means a live restore, not something to wait for.
      await withTenantBackupLock(db, id, 'exclusive', 1, async () => {
        const { rows: paused } = await sql`
          SELECT 1 FROM tenantry.tenants
          WHERE id = ${id} AND status = 'inactive' AND status_reason = ${PAUSE_REASON}`.execute(db);
        if (paused.length === 0) {
          // Not paused by a restore: only the old copy of a finished one is dropped.
          const dropped = await recoverInterruptedRestore(db, id, lockTimeoutMs, { putBack: false });
          if (dropped) logger.info({ tenant: id }, 'dropped the old copy a finished restore left behind');
          return;
        }
        const orphansEnded = await terminateOrphanedToolSessions(db, id);
        const schema = await recoverInterruptedRestore(db, id, lockTimeoutMs);
        await changeStatus(db, id, 'active', null, ['inactive']);
        await recordTenantEvent(db, id, 'restored', {
          outcome: 'interrupted',
          recovered: schema ?? 'nothing_to_put_back',
          ...(orphansEnded > 0 ? { orphaned_tool_sessions_ended: orphansEnded } : {}),
        });
        logger.warn(
          { tenant: id, recovered: schema, orphans_ended: orphansEnded },
          'a restore whose process died left the tenant paused; its previous data is back and it is active again',
        );
        recovered.push(id);
      });
    } catch (err) {
      if (err instanceof AppError && err.code === 'conflict') continue;
      logger.error({ err, tenant: id }, 'recovering an interrupted restore failed; the next check retries');
    }
  }
  return recovered;
}
