// Tenant lifecycle figures: provisioning latency (p50/p99) against the bare schema creation
// it wraps, `tenantry migrate` over 1,000 tenant schemas with one new migration against the
// same ALTER run schema by schema without the migrator, then the backup/restore figures of
// bench/lifecycle-backup.ts (skip them with --skip-backup). Each part uses a throwaway database.
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { parseConfig } from '../src/config.ts';
import { createTenantSchema, TENANT_MIGRATIONS_DIR } from '../src/db/tenant-schema.ts';
import { insertTenant } from '../src/db/tenants.ts';
import { withConnectionTransaction } from '../src/db/transaction.ts';
import { provision } from '../src/lifecycle/index.ts';
import { migrateAllTenants } from '../src/lifecycle/migrate-tenants.ts';
import { benchDatabase } from './lib/database.ts';
import { percentile, report } from './lib/report.ts';

const PROVISIONS = Number(process.env.BENCH_PROVISIONS ?? 200);
const SCHEMAS = Number(process.env.BENCH_SCHEMAS ?? 1000);
const CONCURRENCY = 8;
const config = parseConfig({ PLAN_LIMITS: 'bench=1000000' });

async function provisioning(): Promise<void> {
  const bench = await benchDatabase(4);
  try {
    const full: number[] = [];
    const bare: number[] = [];
    // Interleaved, so drift in the server (autovacuum, cache) hits both sides alike.
    for (let i = 0; i < PROVISIONS; i++) {
      let started = performance.now();
      await provision(
        { db: bench.db, config },
        { id: `p-${i}`, name: `P ${i}`, plan: 'bench', owner: 'bench' },
      );
      full.push(performance.now() - started);
      started = performance.now();
      await withConnectionTransaction(bench.pool, async (trx) => {
        await insertTenant(trx, { id: `b-${i}`, name: `B ${i}` });
        await createTenantSchema(trx, `b-${i}`);
      });
      bare.push(performance.now() - started);
    }
    for (const p of [50, 99]) {
      report({
        bench: 'lifecycle',
        metric: `provision p${p}`,
        variant: `${PROVISIONS} tenants, example tenant migrations`,
        value: percentile(full, p),
        unit: 'ms',
        baseline: 'row + CREATE SCHEMA + migrations only',
        ratio: percentile(full, p) / percentile(bare, p),
      });
    }
  } finally {
    await bench.drop();
  }
}

async function migrateAtScale(): Promise<void> {
  const bench = await benchDatabase(CONCURRENCY + 2);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tenantry-bench-migrations-'));
  try {
    console.error(`creating ${SCHEMAS} tenant schemas...`);
    const ids = Array.from({ length: SCHEMAS }, (_, i) => `m-${i}`);
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < ids.length) {
          const id = ids[next++]!;
          await withConnectionTransaction(bench.pool, async (trx) => {
            await insertTenant(trx, { id, name: id });
            await createTenantSchema(trx, id);
          });
        }
      }),
    );
    const first = '0001_clients_and_appointments.sql';
    await copyFile(path.join(TENANT_MIGRATIONS_DIR, first), path.join(dir, first));
    await writeFile(path.join(dir, '0002_client_notes.sql'), 'ALTER TABLE clients ADD COLUMN notes text;\n');

    let started = performance.now();
    const summary = await migrateAllTenants(bench.db, { dir, concurrency: CONCURRENCY });
    const migrate = (performance.now() - started) / 1000;
    if (summary.failed.length || summary.migrated !== SCHEMAS)
      throw new Error(JSON.stringify(summary.failed[0]));

    started = performance.now();
    for (const id of ids) {
      await sql`ALTER TABLE ${sql.id(`tenant_${id}`)}.clients ADD COLUMN notes_baseline text`.execute(
        bench.db,
      );
    }
    const baseline = (performance.now() - started) / 1000;
    report({
      bench: 'lifecycle',
      metric: 'migrate tenant schemas',
      variant: `${SCHEMAS} schemas, 1 new migration, concurrency ${CONCURRENCY}`,
      value: migrate,
      unit: 's',
      baseline: 'same ALTER per schema, sequential, no migrator',
      ratio: migrate / baseline,
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
    await bench.drop();
  }
}

await provisioning();
await migrateAtScale();
if (!process.argv.includes('--skip-backup')) await import('./lifecycle-backup.ts');
