import { createHash, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../../db/database.ts';
import { AppError } from '../../errors.ts';
import { withTenantBackupLock } from './lock.ts';
import type { PgTool } from './pg-tools.ts';

/**
 * Database sessions of pg_dump / pg_restore, named so they can be found again.
 *
 * A tool is a child process: when the process running it dies without a chance to stop it
 * (SIGKILL, OOM, a host crash short of the database's), the tool runs on. An orphaned
 * pg_restore keeps its one transaction open, holding the schema name the next restore's
 * recovery must take back, until its archive is read out (hours for a large tenant); an
 * orphaned pg_dump holds its tables' locks. Each session's application_name carries a tag of
 * its tenant, and whoever holds the tenant's backup lock exclusively knows that no live
 * process of any backup or restore of that tenant exists (theirs would hold the lock shared),
 * so every tagged session still connected is an orphan and is ended.
 *
 * `tenantry-pg_restore-` + 12 + `-` + 12 = 45 bytes, inside application_name's 63.
 */
function tenantTag(tenantId: string): string {
  return createHash('sha256').update(tenantId).digest('hex').slice(0, 12);
}

export function toolSessionName(tool: PgTool, tenantId: string): string {
  return `tenantry-${tool}-${tenantTag(tenantId)}-${randomBytes(6).toString('hex')}`;
}

/** Ends one named session: the server side of a tool stopped on its time limit or an abort. */
export async function terminateToolSession(db: Db, name: string): Promise<void> {
  await sql`
    SELECT pg_terminate_backend(pid) FROM pg_stat_activity
    WHERE application_name = ${name} AND pid <> pg_backend_pid()`.execute(db);
}

/** How long ending orphans may take before the restore goes on and meets their locks itself. */
const ORPHAN_EXIT_WAIT_MS = 10_000;

/**
 * Ends the tool sessions of the tenant's backups and restores whose process is gone. Only
 * for the holder of the tenant's exclusive backup lock (see above). Returns how many were
 * ended; waits until they have left, so the rollback of an orphaned restore is done.
 */
export async function terminateOrphanedToolSessions(db: Db, tenantId: string): Promise<number> {
  const pattern = `^tenantry-pg_(dump|restore)-${tenantTag(tenantId)}-`;
  const orphans = sql<{ pid: number }>`
    SELECT pid FROM pg_stat_activity
    WHERE datname = current_database() AND application_name ~ ${pattern} AND pid <> pg_backend_pid()`;
  const { rows } = await orphans.execute(db);
  if (rows.length === 0) return 0;
  await sql`SELECT pg_terminate_backend(pid) FROM unnest(${rows.map((r) => r.pid)}::int[]) AS pid`.execute(
    db,
  );
  const deadline = Date.now() + ORPHAN_EXIT_WAIT_MS;
  while (Date.now() < deadline && (await orphans.execute(db)).rows.length > 0) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return rows.length;
}

/**
 * Ends the tool sessions left by backups and restores of any tenant whose process died, for
 * tenants no backup or restore holds the lock of now (taken exclusively for a moment, as a
 * restore would): a pg_dump orphaned by a killed worker otherwise ran, holding its tables'
 * locks, until the tenant's next restore. Cheap when there are none (one read of
 * pg_stat_activity); the tenants' tags are computed only when some are found. Returns the
 * tenants whose orphans were ended.
 */
export async function endOrphanedToolSessions(db: Db): Promise<string[]> {
  const { rows: sessions } = await sql<{ tag: string }>`
    SELECT DISTINCT substring(application_name FROM '^tenantry-pg_(?:dump|restore)-([0-9a-f]{12})-') AS tag
    FROM pg_stat_activity
    WHERE datname = current_database() AND application_name ~ '^tenantry-pg_(dump|restore)-[0-9a-f]{12}-'`.execute(
    db,
  );
  if (sessions.length === 0) return [];
  const tags = new Set(sessions.map((s) => s.tag));
  const { rows: tenants } = await sql<{ id: string }>`SELECT id FROM tenantry.tenants`.execute(db);
  const ended: string[] = [];
  for (const { id } of tenants) {
    if (!tags.has(tenantTag(id))) continue;
    try {
      // 1 ms: a held lock is a live backup or restore, whose sessions these are.
      const n = await withTenantBackupLock(db, id, 'exclusive', 1, () =>
        terminateOrphanedToolSessions(db, id),
      );
      if (n > 0) ended.push(id);
    } catch (err) {
      if (!(err instanceof AppError && err.code === 'conflict')) throw err;
    }
  }
  return ended;
}
