// Export of 1,000,000 client rows to CSV through the export-data task (a worker process):
// rows/s and the worker's peak RSS, against psql's `\copy (same query) TO STDOUT WITH CSV` of the same rows
// in the same run. Then download throughput of that file through the API, against reading
// the same chunks straight from Postgres. `--quick` uses 100,000 rows.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { createTenantSchema } from '../src/db/tenant-schema.ts';
import { insertTenant } from '../src/db/tenants.ts';
import { withConnectionTransaction } from '../src/db/transaction.ts';
import { createExport } from '../src/exports/create.ts';
import { findExport } from '../src/exports/repository.ts';
import { registry } from '../src/tasks/index.ts';
import { tenantSchema } from '../src/tenancy.ts';
import { ADMIN_KEY, benchApp } from './lib/app.ts';
import { benchDatabase } from './lib/database.ts';
import { report } from './lib/report.ts';

const ROWS = process.argv.includes('--quick') ? 100_000 : 1_000_000;
const TENANT = 'bench-export';

/** Resident and peak resident memory of a process (Linux), in bytes. */
function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

const bench = await benchDatabase();
try {
  await insertTenant(bench.db, { id: TENANT, name: 'Benchmark tenant' });
  await withConnectionTransaction(bench.pool, (trx) => createTenantSchema(trx, TENANT));
  const clients = sql.table(`${tenantSchema(TENANT)}.clients`);
  await sql`INSERT INTO ${clients} (name, email, phone, company_context)
    SELECT 'Client ' || i, 'client' || i || '@example.com', '+1555' || lpad(i::text, 7, '0'), 'Context of client ' || i
    FROM generate_series(1, ${ROWS}) i`.execute(bench.db);
  await sql`ANALYZE ${clients}`.execute(bench.db);

  // Baseline: COPY of the query export-data runs, streamed to a client that discards it.
  const query = `SELECT id, name, email, phone, company_context, created_at, updated_at FROM "tenant_${TENANT}".clients ORDER BY id`;
  const copyStarted = performance.now();
  await new Promise<void>((resolve, reject) => {
    const psql = spawn('psql', [bench.url, '-q', '-c', `\\copy (${query}) TO STDOUT WITH CSV HEADER`], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    psql.stdout.resume();
    psql.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`psql exited ${code}`))));
  });
  const copyRate = ROWS / ((performance.now() - copyStarted) / 1000);

  // The export runs in a worker process of its own, as deployed, so its memory is the worker's alone.
  const worker = spawn(
    process.execPath,
    ['bin/tenantry.js', 'worker', '--concurrency', '2', '--no-cron', '--no-migrate'],
    {
      env: { ...process.env, DATABASE_URL: bench.url, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  for (;;) {
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM tenantry.workers`.execute(
      bench.db,
    );
    if (rows[0]!.n > 0) break;
    if (worker.exitCode !== null) throw new Error(`worker exited ${worker.exitCode}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const rssBefore = memoryOf(worker.pid!).rss;

  const started = performance.now();
  const { id } = await createExport(bench.db, registry, {
    tenantId: TENANT,
    type: 'clients',
    format: 'csv',
    filters: {},
    ttlHours: 1,
  });
  let row = await findExport(bench.db, id);
  while (row && (row.status === 'pending' || row.status === 'running')) {
    await new Promise((r) => setTimeout(r, 20));
    row = await findExport(bench.db, id);
  }
  const exportRate = ROWS / ((performance.now() - started) / 1000);
  const { peak: peakRss } = memoryOf(worker.pid!);
  const exited = new Promise((r) => worker.once('exit', r));
  worker.kill('SIGTERM');
  await exited;
  if (row?.status !== 'completed') throw new Error(`export ended ${row?.status}`);

  const variant = `${ROWS.toLocaleString('en')} clients, CSV`;
  report({
    bench: 'exports',
    metric: 'export rate',
    variant: `${variant}, worker process`,
    value: exportRate,
    unit: 'rows/s',
    baseline: 'COPY TO STDOUT (psql)',
    ratio: exportRate / copyRate,
  });
  report({ bench: 'exports', metric: 'COPY rate', variant, value: copyRate, unit: 'rows/s' });
  report({ bench: 'exports', metric: 'worker peak RSS', variant, value: peakRss / 2 ** 20, unit: 'MB' });
  const growth = (peakRss - rssBefore) / 2 ** 20;
  report({
    bench: 'exports',
    metric: 'worker RSS growth over its idle size',
    variant,
    value: growth,
    unit: 'MB',
  });

  // Download through a real listener, against reading the same chunks with one query each.
  const app = await benchApp(bench);
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  const bytes = Number(row.byte_size);
  const mb = bytes / 2 ** 20;
  const downloadStarted = performance.now();
  const res = await fetch(`${base}/api/exports/${id}/download`, {
    headers: { authorization: `Bearer ${ADMIN_KEY}` },
  });
  let received = 0;
  for await (const chunk of res.body!) received += (chunk as Uint8Array).length;
  const downloadRate = mb / ((performance.now() - downloadStarted) / 1000);
  if (received !== bytes) throw new Error(`downloaded ${received} of ${bytes} bytes`);
  await app.close();

  const rawStarted = performance.now();
  for (let seq = 0; seq < row.chunk_count!; seq++) {
    await sql`SELECT data FROM tenantry.export_chunks WHERE export_id = ${id} AND seq = ${seq}`.execute(
      bench.db,
    );
  }
  const rawRate = mb / ((performance.now() - rawStarted) / 1000);
  const size = `${mb.toFixed(0)} MB CSV`;
  report({
    bench: 'exports',
    metric: 'download throughput',
    variant: size,
    value: downloadRate,
    unit: 'MB/s',
    baseline: 'chunks read straight from Postgres',
    ratio: downloadRate / rawRate,
  });
} finally {
  await bench.drop();
}
