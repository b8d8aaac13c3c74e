import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import type { CacheLock } from './contract.ts';

/**
 * First key of the two-key advisory lock space for cache computations. Two-key locks never
 * collide with one-key (bigint) locks such as the migration lock, whatever the values.
 */
const CACHE_LOCK_CLASS = 7_345_002;

/**
 * Session-level advisory locks for `remember`, held on one pooled connection per process.
 *
 * Why one shared session: a session lock lives on a connection, and a connection held per
 * computing key would let a few concurrent misses (whose computations themselves query the
 * database) drain the pool and deadlock. One connection carries every lock this process
 * holds, and returns to the pool once none is held. Waiters never hold a connection: they
 * poll with pg_try_advisory_lock.
 *
 * A process that dies, or a connection that drops, ends the session and PostgreSQL frees
 * its locks. Before the connection goes back to the pool every lock on it is released,
 * so no pooled connection ever carries a stale lock.
 *
 * A session lock is reentrant, so this process's own holders are tracked by key: a second
 * caller for a held key is refused as one in another process would be. (Two keys whose
 * hashes collide both proceed in one process and serialize across processes: harmless.)
 */
export class AdvisoryLockSession {
  private session: Promise<Db> | undefined;
  private endSession: (() => void) | undefined;
  private held = 0;
  private readonly holding = new Set<string>();

  private readonly db: Db;

  constructor(db: Db) {
    this.db = db;
  }

  async tryLock(key: string): Promise<CacheLock | undefined> {
    if (this.holding.has(key)) return undefined;
    this.holding.add(key);
    this.held += 1;
    let conn: Db;
    let acquired = false;
    try {
      conn = await this.open();
      const { rows } = await sql<{ ok: boolean }>`
        SELECT pg_try_advisory_lock(${CACHE_LOCK_CLASS}, hashtext(${key})) AS ok`.execute(conn);
      acquired = rows[0]?.ok === true;
    } finally {
      if (!acquired) this.done(key);
    }
    if (!acquired) return undefined;
    let released = false;
    return {
      release: async () => {
        if (released) return;
        released = true;
        try {
          await sql`SELECT pg_advisory_unlock(${CACHE_LOCK_CLASS}, hashtext(${key}))`.execute(conn);
        } catch {
          // The session is broken or closing; ending it (below) frees the lock.
        } finally {
          this.done(key);
        }
      },
    };
  }

  private open(): Promise<Db> {
    if (this.session) return this.session;
    const session = new Promise<Db>((resolve, reject) => {
      const ended = new Promise<void>((end) => {
        this.endSession = end;
      });
      this.db
        .connection()
        .execute(async (conn) => {
          resolve(conn);
          await ended;
          await sql`SELECT pg_advisory_unlock_all()`.execute(conn);
        })
        .catch(reject);
    });
    this.session = session;
    // A session that failed to open must not be reused by the next caller.
    session.catch(() => {
      if (this.session === session) this.session = undefined;
    });
    return session;
  }

  private done(key: string): void {
    this.holding.delete(key);
    this.held -= 1;
    if (this.held > 0) return;
    this.endSession?.();
    this.endSession = undefined;
    this.session = undefined;
  }
}
