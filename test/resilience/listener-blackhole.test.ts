import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Listener } from '../../src/db/listener.ts';
import { createLogger } from '../../src/logger.ts';
import { type BlackholeProxy, blackholeProxyTo } from '../helpers/blackhole-proxy.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';

/**
 * The process's LISTEN connection only listens, so a server gone silent without a reset would
 * leave it waiting for notifications that never come. Its pings find that out: it reconnects,
 * re-LISTENs and tells its subscribers to re-read what they track.
 */
describe('the listener behind a blackhole', () => {
  let tdb: TestDatabase;
  let proxy: BlackholeProxy;
  let listener: Listener;

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    const proxied = await blackholeProxyTo(tdb.url);
    proxy = proxied.proxy;
    listener = new Listener(proxied.url, createLogger('silent', false), {
      pingIntervalMs: 100,
      pingTimeoutMs: 300,
    });
    await listener.start();
  });
  afterAll(async () => {
    await listener.close();
    await proxy.close();
    await tdb.close();
  });

  it('reconnects once its connection stops answering, and hears notifications again', async () => {
    const heard: string[] = [];
    let reconnects = 0;
    await listener.listen('blackhole_test', (payload) => heard.push(payload));
    listener.onReconnect(() => reconnects++);
    await tdb.pool.query("SELECT pg_notify('blackhole_test', 'before')");
    await expect.poll(() => heard, { timeout: 5_000 }).toEqual(['before']);

    // The open connection now loses everything; new connections still go through.
    proxy.freezeOpen();
    await tdb.pool.query("SELECT pg_notify('blackhole_test', 'lost')");
    await expect.poll(() => reconnects, { timeout: 10_000 }).toBe(1);
    await tdb.pool.query("SELECT pg_notify('blackhole_test', 'after')");
    await expect.poll(() => heard, { timeout: 5_000 }).toEqual(['before', 'after']);
  });
});
