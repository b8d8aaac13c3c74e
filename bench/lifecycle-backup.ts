// Backup and restore of one tenant holding 1,000,000 client rows through createBackup and
// restoreBackup, against plain `pg_dump -Fc -n` and `DROP SCHEMA` + `pg_restore` of the same
// schema in the same run. Works in a throwaway database it creates and drops.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import pg from 'pg';
import { createDb, createPool } from '../src/db/database.ts';
import { migrateControlPlane } from '../src/db/migrate.ts';
import { createTenantSchema } from '../src/db/tenant-schema.ts';
import { insertTenant } from '../src/db/tenants.ts';
import { withConnectionTransaction } from '../src/db/transaction.ts';
import { pgEnvironment } from '../src/lifecycle/backup/connection-env.ts';
import { type BackupDeps, createBackup, pruneBackups, restoreBackup } from '../src/lifecycle/backup/index.ts';
import { median, report } from './lib/report.ts';

const ROWS = 1_000_000;
const RUNS = 5;
const TENANT = 'bench-co';
const SCHEMA = `tenant_${TENANT}`;
const run = promisify(execFile);

const adminUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const database = `tenantry_bench_backup_${randomBytes(4).toString('hex')}`;
const url = new URL(adminUrl);
url.pathname = `/${database}`;
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(database)}`);
const pool = createPool({ connectionString: url.toString(), max: 4 });
const db = createDb(pool);
const backupDir = await mkdtemp(path.join(os.tmpdir(), 'tenantry-bench-backup-'));
const env = pgEnvironment(url.toString(), 'tenantry-bench-baseline');

/** Wall time of `fn`, after a checkpoint so neither side pays for the other's dirty pages. */
async function seconds(fn: () => Promise<unknown>): Promise<number> {
  await sql`CHECKPOINT`.execute(db);
  const started = performance.now();
  await fn();
  return (performance.now() - started) / 1000;
}

try {
  await migrateControlPlane(db, pool);
  await insertTenant(db, { id: TENANT, name: 'Benchmark tenant' });
  await withConnectionTransaction(pool, (trx) => createTenantSchema(trx, TENANT));
  console.error(`seeding ${ROWS} rows into ${SCHEMA}...`);
  await sql`
    INSERT INTO ${sql.id(SCHEMA)}.clients (name, email, phone, company_context, created_at)
    SELECT 'Client ' || g, 'client' || g || '@example.com', '+34 600 ' || lpad((g % 1000000)::text, 6, '0'),
           'Context of client ' || g || ': ' || md5(g::text),
           timestamptz '2024-01-01' + g * interval '1 second'
    FROM generate_series(1, ${ROWS}) AS g`.execute(db);
  await sql`VACUUM (ANALYZE) ${sql.id(SCHEMA)}.clients`.execute(db);

  const plain: BackupDeps = { db, connectionString: url.toString(), backupDir, timeoutMs: 600_000 };
  const encrypted: BackupDeps = { ...plain, encryptionKey: randomBytes(32) };
  const baselineFile = path.join(backupDir, 'baseline.dump');
  const made: { fileName: string; encrypted: boolean }[] = [];
  const latest = (wanted: boolean) => made.findLast((b) => b.encrypted === wanted)?.fileName ?? '';
  const sides = {
    'pg_dump -Fc -n': () => run('pg_dump', ['-Fc', '-n', `"${SCHEMA}"`, '-f', baselineFile], { env }),
    'DROP SCHEMA + pg_restore': async () => {
      await sql`DROP SCHEMA ${sql.id(SCHEMA)} CASCADE`.execute(db);
      await run('pg_restore', ['--dbname', database, baselineFile], { env });
    },
    backup: async () => void made.push(await createBackup(plain, TENANT)),
    'backup, encrypted': async () => void made.push(await createBackup(encrypted, TENANT)),
    restore: () => restoreBackup(plain, TENANT, { file: latest(false) }),
    'restore, encrypted': () => restoreBackup(encrypted, TENANT, { file: latest(true) }),
  };
  type Side = keyof typeof sides;

  const times = Object.fromEntries(Object.keys(sides).map((k) => [k, [] as number[]])) as Record<
    Side,
    number[]
  >;
  const rounds: Side[][] = [
    ['pg_dump -Fc -n', 'backup', 'backup, encrypted'],
    ['DROP SCHEMA + pg_restore', 'restore', 'restore, encrypted'],
  ];
  for (let i = 0; i < RUNS; i++) {
    for (const round of rounds) {
      // Rotating the order spreads cache warm-up and background work evenly over the sides.
      const order = round.map((_, k) => round[(k + i) % round.length]!);
      for (const side of order) times[side].push(await seconds(sides[side]));
    }
    await pruneBackups(plain, TENANT, 2);
    console.error(
      `run ${i + 1}/${RUNS}: ${Object.entries(times)
        .map(([k, v]) => `${k} ${v.at(-1)?.toFixed(2)}`)
        .join(', ')}`,
    );
  }

  const variant = `${ROWS.toLocaleString('en')} rows, median of ${RUNS}`;
  const figures: [string, Side, Side][] = [
    ['tenant backup', 'backup', 'pg_dump -Fc -n'],
    ['tenant backup, encrypted', 'backup, encrypted', 'pg_dump -Fc -n'],
    ['tenant restore', 'restore', 'DROP SCHEMA + pg_restore'],
    ['tenant restore, encrypted', 'restore, encrypted', 'DROP SCHEMA + pg_restore'],
  ];
  for (const [metric, side, baseline] of figures) {
    const value = median(times[side]);
    report({
      bench: 'lifecycle',
      metric,
      variant,
      value,
      unit: 's',
      baseline,
      ratio: value / median(times[baseline]),
    });
  }
} finally {
  await db.destroy();
  await rm(backupDir, { recursive: true, force: true });
  await admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(database)} WITH (FORCE)`);
  await admin.end();
}
