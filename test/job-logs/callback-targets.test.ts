import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallbackTargetError, postJson, type Resolver } from '../../src/job-logs/callback-delivery.ts';
import { addressProblem, callbackUrlProblem } from '../../src/job-logs/callback-url.ts';
import { dispatchJobs } from '../../src/jobs/dispatch.ts';
import { registry } from '../../src/tasks/index.ts';
import type { WorkerService } from '../../src/worker/runner.ts';
import { PROBE_TABLE_DDL, probe } from '../fixtures/tasks.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { createTenantWithSchema, startTestWorker, waitForStatus } from '../helpers/worker.ts';

// Every network test here talks to a listener on 127.0.0.1 only. Names are resolved by an
// injected resolver that answers loopback, so no test can reach any other address.

const REFUSED = [
  'http://127.0.0.1/x',
  'http://127.9.9.9/x',
  'http://10.1.2.3/',
  'http://172.16.0.1/',
  'http://192.168.1.1/',
  'http://169.254.169.254/latest/meta-data',
  'http://100.64.0.1/',
  'http://0.0.0.0/',
  'http://255.255.255.255/',
  'http://224.0.0.1/',
  'http://192.0.2.1/',
  'http://198.18.0.1/',
  'http://203.0.113.9/',
  'http://240.0.0.1/',
  'http://192.0.0.8/',
  'http://[::1]/',
  'http://[::]/',
  'http://[fe80::1]/',
  'http://[fc00::1]/',
  'http://[fd12:3456::1]/',
  'http://[ff02::1]/',
  'http://[::ffff:127.0.0.1]/',
  'http://[::ffff:8.8.8.8]/',
  'http://[::127.0.0.1]/',
  'http://[64:ff9b::7f00:1]/',
  'http://[2002:7f00:1::1]/',
  'http://[2001::1]/',
  'http://[2001:db8::1]/',
  'http://2130706433/',
  'http://0x7f000001/',
  'http://0x7f.1/',
  'http://127.1/',
  'http://017700000001/',
  'http://localhost/',
  'http://localhost./',
  'http://api.localhost/',
  'http://example.com./hook',
];

const ACCEPTED = [
  'https://93.184.216.34/hook',
  'https://[2606:4700:4700::1111]/hook',
  'https://example.com/hook',
];

describe('callback targets', () => {
  it.each(REFUSED)('refuses %s unless private targets are allowed', (target) => {
    expect(callbackUrlProblem(target, false)).toBeDefined();
  });

  it.each(ACCEPTED)('accepts the public target %s', (target) => {
    expect(callbackUrlProblem(target, false)).toBeUndefined();
  });

  it('allows private literal targets with CALLBACK_ALLOW_PRIVATE, never other schemes or credentials', () => {
    expect(callbackUrlProblem('http://127.0.0.1:9/x', true)).toBeUndefined();
    expect(callbackUrlProblem('file:///etc/passwd', true)).toMatch(/http/);
    expect(callbackUrlProblem('http://user:pw@example.com/', true)).toMatch(/credentials/);
  });

  it('classifies resolved addresses as the socket would dial them', () => {
    expect(addressProblem('8.8.8.8')).toBeUndefined();
    expect(addressProblem('2606:4700:4700::1111')).toBeUndefined();
    for (const address of ['127.0.0.1', '::1', '::ffff:10.0.0.1', 'fe80::1%eth0', '100.100.100.100']) {
      expect(addressProblem(address), address).toBeDefined();
    }
  });
});

describe('the connect-time check', () => {
  let server: http.Server;
  let port: number;
  let connections = 0;
  let tdb: TestDatabase;
  let worker: WorkerService;
  const tasks = registry.with([probe]);
  /** A name server that answers loopback for every name: what a rebinding attacker would do. */
  const rebinding: Resolver = async () => [{ address: '127.0.0.1', family: 4 }];

  beforeAll(async () => {
    server = http.createServer((_req, res) => res.writeHead(200).end());
    server.on('connection', () => {
      connections++;
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
    tdb = await cloneTestDatabase();
    await PROBE_TABLE_DDL.execute(tdb.db);
    await createTenantWithSchema(tdb, { id: 'acme' });
    worker = await startTestWorker(tdb, { registry: tasks, services: { resolver: rebinding } });
  });
  afterAll(async () => {
    await worker.stop();
    server.close();
    await tdb.close();
  });

  const post = (url: string, allowPrivate: boolean) =>
    postJson(url, '{}', { allowPrivate, headers: {}, timeoutMs: 5000, resolver: rebinding });

  it('refuses a name that resolves to a private address before connecting', async () => {
    const before = connections;
    await expect(post(`http://rebound.example:${port}/hook`, false)).rejects.toBeInstanceOf(
      CallbackTargetError,
    );
    await expect(post(`http://rebound.example:${port}/hook`, false)).rejects.toThrow(/resolves to a refused/);
    expect(connections).toBe(before);
  });

  it('delivers to the same name when private targets are allowed', async () => {
    const before = connections;
    expect(await post(`http://rebound.example:${port}/hook`, true)).toBe(200);
    expect(connections).toBe(before + 1);
  });

  it('fails the delivery job for good when the name rebinds to a private address after dispatch', async () => {
    const before = connections;
    // At dispatch the name is only a name: it passes. The worker's dial is what is refused.
    const [job] = await dispatchJobs(tdb.db, tasks, [
      {
        task: 'probe',
        tenant: 'acme',
        payload: { mode: 'ok' },
        maxAttempts: 1,
        callbackUrl: `http://rebound.example:${port}/hook`,
      },
    ]);
    await waitForStatus(tdb.db, job!.id, ['completed']);
    const delivery = await tdb.db
      .selectFrom('tenantry.job_logs')
      .select('id')
      .where('task', '=', 'deliver-callback')
      .where('source_id', '=', job!.id)
      .executeTakeFirstOrThrow();
    const log = await waitForStatus(tdb.db, delivery.id, ['failed', 'completed'], 20_000);
    expect(log, JSON.stringify(log)).toMatchObject({ status: 'failed' });
    expect(log.attempts).toBe(1);
    expect(log.error_message).toMatch(/refused address/);
    expect(connections).toBe(before);
  });
});
