// Tenant files: upload and download throughput of one file through the API on a real socket
// (the client a process of its own, streaming from and to disk, as curl would), against the
// storage floor measured in the same run (the same bytes written as 1 MiB bytea rows,
// one INSERT after another, and read back with one SELECT each). Median of three rounds; 64 MB,
// or 16 MB with `--quick`.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { parseConfig } from '../src/config.ts';
import { createTenantSchema } from '../src/db/tenant-schema.ts';
import { insertTenant } from '../src/db/tenants.ts';
import { withConnectionTransaction } from '../src/db/transaction.ts';
import { TenantFiles } from '../src/files/tenant-files.ts';
import { ADMIN_KEY, benchApp } from './lib/app.ts';
import { benchDatabase } from './lib/database.ts';
import { report } from './lib/report.ts';

const MB = process.argv.includes('--quick') ? 16 : 64;
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const CHUNK = 1024 * 1024;
const TENANT = 'bench-files';

/**
 * A PUT of `file` or a GET into nothing, by a separate Node process with node:http: the client's
 * own work stays out of the server's process. Resolves the HTTP status.
 */
const CLIENT = `
const http = require('node:http'); const fs = require('node:fs');
const [method, url, auth, file] = process.argv.slice(1);
const req = http.request(url, { method, headers: { authorization: auth, 'content-type': 'application/octet-stream' } }, (res) => {
  res.on('data', () => {}); res.on('end', () => { console.log(res.statusCode); });
});
req.on('error', (err) => { console.error(err.message); process.exit(1); });
if (file) fs.createReadStream(file, { highWaterMark: 1 << 20 }).pipe(req); else req.end();
`;
const transfer = async (method: string, url: string, auth: string, file?: string) =>
  Number(
    (await promisify(execFile)(process.execPath, ['-e', CLIENT, method, url, auth, ...(file ? [file] : [])]))
      .stdout,
  );

async function* pieces(body: Buffer) {
  for (let at = 0; at < body.length; at += 65_536) yield body.subarray(at, at + 65_536);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const bench = await benchDatabase();
try {
  await insertTenant(bench.db, { id: TENANT, name: 'Benchmark tenant' });
  await withConnectionTransaction(bench.pool, (trx) => createTenantSchema(trx, TENANT));
  // Shaped as file_chunks; a new key per round, never TRUNCATE (a fresh relation writes less WAL).
  await sql`CREATE TABLE bench_raw_chunks (round integer, seq integer, data bytea NOT NULL, PRIMARY KEY (round, seq))`.execute(
    bench.db,
  );
  const body = randomBytes(MB * CHUNK);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tenantry-bench-files-'));
  const file = path.join(dir, 'file.bin');
  await writeFile(file, body);

  const app = await benchApp(bench);
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  // A new file each round: a replacement would add the old file's deletion to the upload.
  const url = (round: number) =>
    `${base}/api/files/${encodeURIComponent(`bench/file-${round}.bin`)}?tenant=${TENANT}`;
  const auth = `Bearer ${ADMIN_KEY}`;

  const files = new TenantFiles(bench.db, TENANT, parseConfig({}).fileLimits);
  const direct: number[] = [];
  const up: number[] = [];
  const down: number[] = [];
  const rawUp: number[] = [];
  const rawDown: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    // Baseline: the bytes as rows, the floor any chunked store in Postgres pays.
    let started = performance.now();
    for (let seq = 0; seq < MB; seq++) {
      const data = body.subarray(seq * CHUNK, (seq + 1) * CHUNK);
      await sql`INSERT INTO bench_raw_chunks (round, seq, data) VALUES (${round}, ${seq}, ${data})`.execute(
        bench.db,
      );
    }
    rawUp.push(MB / ((performance.now() - started) / 1000));
    started = performance.now();
    for (let seq = 0; seq < MB; seq++) {
      await sql`SELECT data FROM bench_raw_chunks WHERE round = ${round} AND seq = ${seq}`.execute(bench.db);
    }
    rawDown.push(MB / ((performance.now() - started) / 1000));

    // ctx.files.write from memory, in 64 KiB pieces (a task handler's path: no HTTP).
    started = performance.now();
    await files.write(`bench/direct-${round}.bin`, pieces(body));
    direct.push(MB / ((performance.now() - started) / 1000));

    started = performance.now();
    const put = await transfer('PUT', url(round), auth, file);
    if (put !== 200 && put !== 201) throw new Error(`upload answered ${put}`);
    up.push(MB / ((performance.now() - started) / 1000));

    started = performance.now();
    const get = await transfer('GET', url(round), auth);
    if (get !== 200) throw new Error(`download answered ${get}`);
    down.push(MB / ((performance.now() - started) / 1000));
  }
  await app.close();
  await rm(dir, { recursive: true, force: true });

  const variant = `${MB} MB file, a client process on a real socket`;
  const upload = median(up);
  const download = median(down);
  report({
    bench: 'files',
    metric: 'upload throughput',
    variant,
    value: upload,
    unit: 'MB/s',
    baseline: '1 MiB bytea INSERTs, one after another',
    ratio: upload / median(rawUp),
    detail: `rounds ${up.map((v) => v.toFixed(0)).join(' / ')}; baseline ${rawUp.map((v) => v.toFixed(0)).join(' / ')}`,
  });
  report({
    bench: 'files',
    metric: 'write throughput (ctx.files.write, from memory)',
    variant: `${MB} MB file, 64 KiB pieces`,
    value: median(direct),
    unit: 'MB/s',
    baseline: '1 MiB bytea INSERTs, one after another',
    ratio: median(direct) / median(rawUp),
    detail: `rounds ${direct.map((v) => v.toFixed(0)).join(' / ')}`,
  });
  report({
    bench: 'files',
    metric: 'download throughput',
    variant,
    value: download,
    unit: 'MB/s',
    baseline: '1 MiB bytea SELECTs, one after another',
    ratio: download / median(rawDown),
    detail: `rounds ${down.map((v) => v.toFixed(0)).join(' / ')}; baseline ${rawDown.map((v) => v.toFixed(0)).join(' / ')}`,
  });
} finally {
  await bench.drop();
}
