import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { registry } from '../../src/tasks/index.ts';
import { WorkerService } from '../../src/worker/runner.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { freePort } from '../helpers/throwaway-postgres.ts';
import { testConfig } from '../helpers/worker.ts';

/**
 * A worker whose server goes away in the middle of its start (after the first answer, before
 * graphile-worker's utilities) waits for it and starts, rather than exiting. Here the worker's
 * own connections (its listener, its job-log writer) go through a port nothing listens on
 * until a proxy to the server opens there: its start meets a refused connection after the
 * server has answered on the shared pool.
 */
describe('a worker start that loses the server midway', () => {
  let tdb: TestDatabase;
  let proxy: net.Server | undefined;
  const sockets = new Set<net.Socket>();

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => (proxy ? proxy.close(() => resolve()) : resolve()));
    await tdb.close();
  });

  it('waits for the server and starts', async () => {
    const port = await freePort();
    const server = new URL(tdb.url);
    const proxied = new URL(tdb.url);
    proxied.port = String(port);
    const creating = WorkerService.create({
      config: testConfig(tdb, { DATABASE_WAIT_MS: '30000' }),
      pool: tdb.pool,
      db: tdb.db,
      connectionString: proxied.toString(),
      logger: createLogger('silent', false),
      registry,
      concurrency: 2,
      crontabFile: undefined,
    });
    let settled = false;
    void creating.then(
      () => (settled = true),
      () => (settled = true),
    );
    // Refused connections first (the start must still be waiting), then the server again.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(settled).toBe(false);
    proxy = net.createServer((client) => {
      const upstream = net.connect(Number(server.port || 5432), server.hostname);
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('error', () => {});
        s.on('close', () => sockets.delete(s));
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => proxy!.listen(port, '127.0.0.1', resolve));
    const worker = await creating;
    await worker.start();
    try {
      // Started for real: it has registered in the cluster.
      const row = await tdb.db.selectFrom('tenantry.workers').select('concurrency').executeTakeFirst();
      expect(row?.concurrency).toBe(2);
    } finally {
      await worker.stop();
    }
  });
});
