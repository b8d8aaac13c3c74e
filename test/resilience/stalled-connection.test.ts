import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../../src/db/database.ts';
import { appErrorFromDatabase, isConnectionError } from '../../src/db/errors.ts';
import { type BlackholeProxy, blackholeProxyTo } from '../helpers/blackhole-proxy.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';

/**
 * A connection whose server stops answering without closing it (a blackhole: packets dropped,
 * no reset) is found and destroyed, so its query fails as a connection error (503 in the API)
 * instead of waiting ~15 minutes for TCP to give up; a slow query is left alone. The pool's
 * connections go through a proxy on loopback that can drop everything it is sent.
 */
let tdb: TestDatabase;
let proxy: BlackholeProxy;
let proxiedUrl: string;

beforeAll(async () => {
  tdb = await cloneTestDatabase();
  ({ proxy, url: proxiedUrl } = await blackholeProxyTo(tdb.url));
});
afterAll(async () => {
  await proxy.close();
  await tdb.close();
});

/** A pool through the proxy, ended after `use`. */
async function withPool(name: string, stallMs: number, use: (pool: pg.Pool) => Promise<void>): Promise<void> {
  const pool = createPool({ connectionString: proxiedUrl, max: 2, applicationName: name, stallMs });
  try {
    await use(pool);
  } finally {
    proxy.acceptNothing = false;
    await pool.end();
  }
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('the query was expected to fail');
}

describe('a query waiting on a server that no longer answers', () => {
  it(
    'fails as a connection error once the server cannot be reached, and the pool recovers',
    () =>
      withPool('stall-full', 300, async (pool) => {
        await pool.query('SELECT 1');
        proxy.freezeOpen();
        proxy.acceptNothing = true;
        const err = await rejection(pool.query('SELECT 1'));
        expect(err.message).toContain('did not answer');
        expect(isConnectionError(err)).toBe(true);
        expect(appErrorFromDatabase(err)?.code).toBe('unavailable');
        // The dead connection left the pool; once the server answers again, a new one works.
        expect(pool.totalCount).toBe(0);
        proxy.acceptNothing = false;
        const { rows } = await pool.query<{ one: number }>('SELECT 1 AS one');
        expect(rows[0]!.one).toBe(1);
      }),
    30_000,
  );

  it(
    'destroys a connection whose answers are lost and ends its session, releasing its locks',
    () =>
      withPool('stall-lost', 300, async (pool) => {
        const client = await pool.connect();
        await client.query('BEGIN');
        await client.query('SELECT pg_advisory_xact_lock(7345999)');
        const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        // Only this connection's answers are lost: the server runs the query, and still takes new
        // connections.
        proxy.loseAnswers();
        const err = await rejection(client.query('SELECT 1'));
        client.release(err);
        expect(isConnectionError(err)).toBe(true);
        // Its session was ended on the server, so the transaction's lock is free again.
        let held = true;
        for (let i = 0; i < 100 && held; i++) {
          const live = await tdb.pool.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [rows[0]!.pid]);
          held = live.rows.length > 0;
          if (held) await new Promise((r) => setTimeout(r, 50));
        }
        expect(held).toBe(false);
        const lock = await tdb.pool.query<{ got: boolean }>('SELECT pg_try_advisory_lock(7345999) AS got');
        expect(lock.rows[0]!.got).toBe(true);
        await tdb.pool.query('SELECT pg_advisory_unlock(7345999)');
      }),
    30_000,
  );

  it(
    'leaves a slow query alone while the server works on it',
    () =>
      withPool('stall-slow', 200, async (pool) => {
        // Several looks happen during the sleep: each finds the session active.
        const { rows } = await pool.query<{ done: string }>("SELECT pg_sleep(1.5), 'done' AS done");
        expect(rows[0]!.done).toBe('done');
        expect(pool.totalCount).toBe(1);
      }),
    30_000,
  );
});
