import { type Config, parseConfig } from '../../src/config.ts';
import type { Db } from '../../src/db/database.ts';
import type { JobStatus } from '../../src/db/schema.ts';
import { createTenantSchema } from '../../src/db/tenant-schema.ts';
import { insertTenant, type NewTenant } from '../../src/db/tenants.ts';
import { withConnectionTransaction } from '../../src/db/transaction.ts';
import type { Resolver } from '../../src/job-logs/callback-delivery.ts';
import type { JobCeilings } from '../../src/jobs/ceilings.ts';
import type { TaskRegistry } from '../../src/jobs/registry.ts';
import type { WorkerFilter } from '../../src/jobs/tenant-gate.ts';
import { createLogger } from '../../src/logger.ts';
import type { Mailer } from '../../src/mail/mailer.ts';
import type { NotificationRouter } from '../../src/notifications/router.ts';
import { WorkerService } from '../../src/worker/runner.ts';
import type { TestDatabase } from './database.ts';

export function testConfig(tdb: TestDatabase, env: Record<string, string> = {}): Config {
  return parseConfig({ DATABASE_URL: tdb.url, LOG_LEVEL: 'silent', SHUTDOWN_TIMEOUT_MS: '3000', ...env });
}

export interface TestWorkerOptions {
  registry: TaskRegistry;
  concurrency?: number;
  filter?: WorkerFilter;
  env?: Record<string, string>;
  services?: { mailer?: Mailer; notifications?: NotificationRouter; resolver?: Resolver };
  pollIntervalMs?: number;
  ceilings?: JobCeilings;
}

/** A started in-process worker on the test database; stop it in afterAll/afterEach. */
export async function startTestWorker(tdb: TestDatabase, options: TestWorkerOptions): Promise<WorkerService> {
  const config = testConfig(tdb, options.env);
  const worker = await WorkerService.create({
    config,
    pool: tdb.pool,
    db: tdb.db,
    connectionString: tdb.url,
    logger: createLogger((process.env.TEST_LOG_LEVEL ?? 'silent') as 'silent', false),
    registry: options.registry,
    concurrency: options.concurrency ?? 4,
    crontabFile: undefined,
    filter: options.filter,
    pollInterval: options.pollIntervalMs ?? 200,
    ceilings: options.ceilings,
    services: options.services,
  });
  return worker.start();
}

/** A tenant row plus its schema, migrated: the smallest provisioning the job tests need. */
export async function createTenantWithSchema(tdb: TestDatabase, tenant: Partial<NewTenant> & { id: string }) {
  await withConnectionTransaction(tdb.pool, async (trx) => {
    await insertTenant(trx, { name: tenant.id, ...tenant });
    await createTenantSchema(trx, tenant.id);
  });
}

export async function jobLog(db: Db, id: string) {
  return db.selectFrom('tenantry.job_logs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

/** Waits until the job log reaches one of `statuses` and returns the row (usable in hooks too). */
export async function waitForStatus(db: Db, id: string, statuses: JobStatus[], timeout = 15_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const log = await jobLog(db, id);
    if (statuses.includes(log.status)) return log;
    if (Date.now() > deadline) {
      throw new Error(
        `job log ${id} is still ${log.status} after ${timeout} ms (waiting for ${statuses.join(' or ')})`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
