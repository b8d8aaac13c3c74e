import { sql } from 'kysely';
import type { Db, DbOrTrx } from '../../db/database.ts';
import { AppError } from '../../errors.ts';

/** First key of the two-integer advisory locks guarding tenant backups (second: the tenant). */
const BACKUP_LOCK_CLASS = 7_345_004;
/** First key of the locks that keep two prunes of one tenant's backups apart. */
const PRUNE_LOCK_CLASS = 7_345_005;

export type LockMode = 'shared' | 'exclusive';

/** What `fn` is given: a check that the lock is still held, and the lock's own session. */
export interface HeldLock {
  /**
   * Resolves when the lock's session still holds it; throws (503, `backup_lock_lost`) when the
   * session ended (a terminated backend, a dropped connection): the lock went with it, and the
   * background check may already be treating the work as a dead one's.
   */
  check(): Promise<void>;
  /**
   * The lock's own session. A step run on it cannot commit once the lock is gone (they end
   * together), where one on another connection could between a check and its commit.
   */
  readonly session: Db;
}

/**
 * The lock's session sits idle while `fn` works on other connections, for as long as a dump
 * or a restore takes: an `idle_session_timeout`, or a firewall dropping quiet connections,
 * would end it and the lock with it, mid-restore, and the background check would then take
 * the restore for a dead one and undo it. A trivial query this often keeps it from idling.
 */
export const LOCK_KEEPALIVE_MS = 20_000;

/**
 * Runs `fn` holding the tenant's backup lock on a dedicated session: backups and pruning take
 * it shared (they may overlap), a restore takes it exclusive (it sees no backup, prune or
 * other restore of that tenant in progress). Waiting is bounded by `waitMs`; a lock still
 * held then is a 409. The lock dies with the session, so a crashed process never leaves it
 * behind. Two tenants whose ids hash alike merely serialize.
 */
export async function withTenantBackupLock<T>(
  db: Db,
  tenantId: string,
  mode: LockMode,
  waitMs: number,
  fn: (lock: HeldLock) => Promise<T>,
  keepAliveMs = LOCK_KEEPALIVE_MS,
): Promise<T> {
  return withTenantLock(db, BACKUP_LOCK_CLASS, tenantId, mode, waitMs, fn, keepAliveMs);
}

/**
 * Takes the tenant's backup lock shared until the end of the caller's transaction, beside any
 * backup; false, at once, while a restore holds it. For work on the tenant's schema that a
 * restore setting it aside meanwhile would break (a migration recreating it empty).
 */
export async function shareBackupLockForTransaction(trx: DbOrTrx, tenantId: string): Promise<boolean> {
  const { rows } = await sql<{ got: boolean }>`
    SELECT pg_try_advisory_xact_lock_shared(${BACKUP_LOCK_CLASS}, hashtext(${tenantId})) AS got`.execute(trx);
  return rows[0]?.got === true;
}

/**
 * One prune of a tenant's backups at a time (beside the shared backup lock, which backups
 * also take): a prune deletes rows, then files, and another one's adoption of files with no
 * row must not take a file in between for a backup (its row would outlive the file).
 */
export async function withTenantPruneLock<T>(
  db: Db,
  tenantId: string,
  waitMs: number,
  fn: () => Promise<T>,
): Promise<T> {
  return withTenantLock(db, PRUNE_LOCK_CLASS, tenantId, 'exclusive', waitMs, fn, LOCK_KEEPALIVE_MS);
}

async function withTenantLock<T>(
  db: Db,
  lockClass: number,
  tenantId: string,
  mode: LockMode,
  waitMs: number,
  fn: (lock: HeldLock) => Promise<T>,
  keepAliveMs: number,
): Promise<T> {
  return db.connection().execute(async (conn) => {
    await sql`SELECT set_config('lock_timeout', ${`${Math.max(1, Math.round(waitMs))}ms`}, false)`.execute(
      conn,
    );
    try {
      await (mode === 'shared'
        ? sql`SELECT pg_advisory_lock_shared(${lockClass}, hashtext(${tenantId}))`
        : sql`SELECT pg_advisory_lock(${lockClass}, hashtext(${tenantId}))`
      ).execute(conn);
    } catch (err) {
      if ((err as { code?: string }).code === '55P03') {
        throw new AppError('conflict', `another backup or restore of tenant ${tenantId} is in progress`, {
          reason: 'backup_in_progress',
        });
      }
      throw err;
    } finally {
      // The session goes back to the pool afterwards and must not keep this setting.
      await sql`RESET lock_timeout`.execute(conn);
    }
    let lost: unknown;
    const keepAlive = setInterval(() => {
      sql`SELECT 1`.execute(conn).catch((err: unknown) => {
        lost ??= err;
      });
    }, keepAliveMs);
    keepAlive.unref();
    const check = async () => {
      // Two-key advisory locks show as classid = first key, objid = second (as an oid).
      const held = lost
        ? undefined
        : await sql<{ held: boolean }>`
            SELECT EXISTS (
              SELECT FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted
                AND classid = ${lockClass}::oid AND objid = hashtext(${tenantId})::oid AND objsubid = 2
            ) AS held`
            .execute(conn)
            .then((r) => r.rows[0]?.held === true)
            .catch((err: unknown) => {
              lost ??= err;
              return false;
            });
      if (held) return;
      throw new AppError(
        'unavailable',
        `the backup lock of tenant ${tenantId} was lost (its database session ended${lost ? `: ${(lost as Error).message}` : ''}); stopped before going further`,
        { reason: 'backup_lock_lost' },
      );
    };
    try {
      return await fn({ check, session: conn });
    } finally {
      clearInterval(keepAlive);
      // Unlocking only fails when the session is gone, and its locks went with it.
      await (mode === 'shared'
        ? sql`SELECT pg_advisory_unlock_shared(${lockClass}, hashtext(${tenantId}))`
        : sql`SELECT pg_advisory_unlock(${lockClass}, hashtext(${tenantId}))`
      )
        .execute(conn)
        .catch(() => {});
    }
  });
}
