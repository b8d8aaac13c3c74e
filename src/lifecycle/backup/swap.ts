import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../../db/database.ts';
import { migrateTenantSchema } from '../../db/tenant-schema.ts';
import { AppError } from '../../errors.ts';
import { tenantSchema } from '../../tenancy.ts';
import { restoreArchive } from './archive.ts';
import type { HeldLock } from './lock.ts';
import { schemaExists } from './tenant.ts';
import type { BackupDeps } from './types.ts';

/**
 * Where the live schema waits while a restore runs (`__pre_restore`), and where it goes once
 * the restore has fully succeeded but could not be dropped at once (`__superseded`). Both are
 * deterministic, so the next restore can tell an unfinished restore from a finished one.
 * `tenant_` + 40 + 13 ≤ 63 bytes, PostgreSQL's identifier limit.
 */
export function asideSchema(tenantId: string): string {
  return `${tenantSchema(tenantId)}__pre_restore`;
}

export function supersededSchema(tenantId: string): string {
  return `${tenantSchema(tenantId)}__superseded`;
}

/** Dropping the old copy waits at most this long for stragglers still reading it. */
const DROP_WAIT_MS = 30_000;

async function inTransaction(db: Db, lockTimeoutMs: number, statements: ReturnType<typeof sql>[]) {
  await db.transaction().execute(async (trx) => {
    await sql`SELECT set_config('lock_timeout', ${`${lockTimeoutMs}ms`}, true)`.execute(trx);
    for (const statement of statements) await statement.execute(trx);
  });
}

/**
 * Which restore set a schema aside, and which one finished: schema comments, each naming a
 * restore by a random id. A `__pre_restore` copy is a finished restore's old data (to drop)
 * exactly when the live schema says that same restore finished; any other copy is the
 * tenant's data a restore never finished replacing (to put back). A comment a dump carries
 * into a later restore names an older restore and never matches.
 */
export const ASIDE_MARK = 'set aside by restore ';
export const DONE_MARK = 'restored by restore ';

async function schemaComment(db: Db, schema: string): Promise<string | null> {
  const { rows } = await sql<{ comment: string | null }>`
    SELECT obj_description(oid, 'pg_namespace') AS comment FROM pg_namespace WHERE nspname = ${schema}`.execute(
    db,
  );
  return rows[0]?.comment ?? null;
}

/** True when the live schema is the data of the restore that set `aside` aside, finished. */
async function finishedRestoreLeftAside(db: Db, live: string, aside: string): Promise<boolean> {
  const setAside = await schemaComment(db, aside);
  if (!setAside?.startsWith(ASIDE_MARK)) return false;
  return (await schemaComment(db, live)) === DONE_MARK + setAside.slice(ASIDE_MARK.length);
}

/**
 * Repairs what a restore that died midway left behind; called under the exclusive backup
 * lock before each restore.
 * - `__superseded`: the restore finished, only the old copy's drop is missing; drop it.
 * - `__pre_restore` of a restore the live schema says finished: the same; drop it.
 * - any other `__pre_restore`: the restore never finished, so the old data is still the
 *   tenant's data: whatever sits in the live schema is dropped and the old copy put back.
 */
export async function recoverInterruptedRestore(
  db: Db,
  tenantId: string,
  lockTimeoutMs: number,
  { putBack = true }: { putBack?: boolean } = {},
): Promise<'dropped_stale_copy' | 'put_back_live_schema' | null> {
  const live = tenantSchema(tenantId);
  const aside = asideSchema(tenantId);
  const superseded = supersededSchema(tenantId);
  let outcome: 'dropped_stale_copy' | 'put_back_live_schema' | null = null;
  if (await schemaExists(db, superseded)) {
    await inTransaction(db, lockTimeoutMs, [sql`DROP SCHEMA ${sql.id(superseded)} CASCADE`]);
    outcome = 'dropped_stale_copy';
  }
  // A finished restore that could retire its old copy neither by dropping nor by renaming it:
  // that copy is stale whoever asks. Putting it back (as was done) threw away the restored
  // data and everything written since, at the tenant's next activation or restore.
  if ((await schemaExists(db, aside)) && (await finishedRestoreLeftAside(db, live, aside))) {
    await inTransaction(db, lockTimeoutMs, [sql`DROP SCHEMA ${sql.id(aside)} CASCADE`]);
    return 'dropped_stale_copy';
  }
  // `putBack: false` (a tenant no restore left paused, checked in the background): any other
  // `__pre_restore` beside it belongs to a restore that never finished while an operator
  // changed the tenant's status; putting it back is for a restore or an activation an
  // operator starts, never done unasked.
  if (putBack && (await schemaExists(db, aside))) {
    await inTransaction(db, lockTimeoutMs, [
      sql`DROP SCHEMA IF EXISTS ${sql.id(live)} CASCADE`,
      sql`ALTER SCHEMA ${sql.id(aside)} RENAME TO ${sql.id(live)}`,
    ]);
    outcome = 'put_back_live_schema';
  }
  return outcome;
}

/**
 * Replaces the tenant's schema with the archive's. The live schema is renamed aside (a short
 * catalog-only transaction), the archive restored in one transaction and brought up to the
 * current tenant migrations. Any failure up to there drops whatever was restored and renames
 * the old schema back, in one transaction, so the tenant ends with exactly its previous data.
 * After success the old schema is dropped, or renamed `__superseded` for the next restore to
 * drop when stragglers still hold it; the warning returned then says so.
 */
export async function swapInArchive(
  deps: BackupDeps,
  tenantId: string,
  archive: string,
  lock: HeldLock,
): Promise<string[]> {
  const live = tenantSchema(tenantId);
  const aside = asideSchema(tenantId);
  const lockMs = deps.timeoutMs;
  // A tenant whose schema is gone (the disaster a restore exists for) has nothing to set aside.
  const hadLive = await schemaExists(deps.db, live);
  const restoreId = randomUUID();
  // The restore's lock is what keeps the background check from taking it for a dead one's
  // (and undoing it): both steps that change what the tenant sees run only while it is held,
  // on its own session, so neither commits once it is gone.
  await lock.check();
  if (hadLive) {
    await inTransaction(lock.session, lockMs, [
      sql`COMMENT ON SCHEMA ${sql.id(live)} IS ${sql.lit(ASIDE_MARK + restoreId)}`,
      sql`ALTER SCHEMA ${sql.id(live)} RENAME TO ${sql.id(aside)}`,
    ]);
  }
  try {
    await restoreArchive(deps, tenantId, archive);
    await migrateTenantSchema(deps.db, tenantId);
    await lock.check();
    await inTransaction(lock.session, lockMs, [
      sql`COMMENT ON SCHEMA ${sql.id(live)} IS ${sql.lit(DONE_MARK + restoreId)}`,
    ]);
  } catch (err) {
    try {
      // Under the lock too: with the lock lost, the background check owns the undo.
      await inTransaction(lock.session, lockMs, [
        sql`DROP SCHEMA IF EXISTS ${sql.id(live)} CASCADE`,
        ...(hadLive ? [sql`ALTER SCHEMA ${sql.id(aside)} RENAME TO ${sql.id(live)}`] : []),
      ]);
    } catch (undoErr) {
      const kept = hadLive
        ? `its previous data is intact in schema ${aside} and the next restore puts it back first`
        : 'it had no schema before';
      throw new AppError(
        'internal',
        `restore of tenant ${tenantId} failed and could not be undone; ${kept}`,
        {
          reason: 'restore_undo_failed',
          cause: String(err),
          undo_error: String(undoErr),
        },
      );
    }
    throw err;
  }
  if (!hadLive) return [];
  try {
    await inTransaction(deps.db, Math.min(lockMs, DROP_WAIT_MS), [sql`DROP SCHEMA ${sql.id(aside)} CASCADE`]);
    return [];
  } catch (err) {
    const superseded = supersededSchema(tenantId);
    const why = (err as Error).message;
    try {
      await inTransaction(deps.db, lockMs, [
        sql`ALTER SCHEMA ${sql.id(aside)} RENAME TO ${sql.id(superseded)}`,
      ]);
      return [`the previous data stays in schema ${superseded} until the next restore (${why})`];
    } catch {
      // Still `__pre_restore`, marked as this finished restore's old copy: the next restore,
      // activation or background check drops it (recoverInterruptedRestore).
      return [`the previous data stays in schema ${aside} until the next check drops it (${why})`];
    }
  }
}
