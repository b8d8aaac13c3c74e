// Cold (first embedded init) and warm start of `tenantry start` to the first 200 from
// /health, against the embedded PostgreSQL alone started the same way in the same run.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { EmbeddedPostgres } from '../src/db/embedded.ts';
import { median, report } from './lib/report.ts';

const WARM_RUNS = 5;

async function freshDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tenantry-bench-start-'));
  await chmod(dir, 0o755);
  return dir;
}

async function timeTenantryStart(dataDir: string): Promise<number> {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn' };
  delete env.DATABASE_URL;
  const started = performance.now();
  const child = spawn(process.execPath, ['bin/tenantry.js', 'start'], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = out.match(/API (http:\/\/\S+)/);
      if (match?.[1]) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`tenantry start exited ${code}`)));
  });
  for (;;) {
    const ok = await fetch(`${url}/health`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  const elapsed = performance.now() - started;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
  return elapsed;
}

async function timePostgresAlone(dataDir: string): Promise<number> {
  const started = performance.now();
  const pg = await EmbeddedPostgres.start({ dataDir: path.join(dataDir, 'postgres') });
  const elapsed = performance.now() - started;
  await pg.stop();
  return elapsed;
}

const tenantryDir = await freshDir();
const baselineDir = await freshDir();
try {
  const baselineCold = await timePostgresAlone(baselineDir);
  const cold = await timeTenantryStart(tenantryDir);
  const warm: number[] = [];
  const baselineWarm: number[] = [];
  for (let i = 0; i < WARM_RUNS; i++) {
    baselineWarm.push(await timePostgresAlone(baselineDir));
    warm.push(await timeTenantryStart(tenantryDir));
  }
  const baseline = 'embedded PostgreSQL alone';
  report({
    bench: 'startup',
    metric: 'start to first /health 200',
    variant: 'cold (initdb)',
    value: cold,
    unit: 'ms',
    baseline,
    ratio: cold / baselineCold,
  });
  const warmMedian = median(warm);
  report({
    bench: 'startup',
    metric: 'start to first /health 200',
    variant: `warm (median of ${WARM_RUNS})`,
    value: warmMedian,
    unit: 'ms',
    baseline,
    ratio: warmMedian / median(baselineWarm),
  });
} finally {
  await rm(tenantryDir, { recursive: true, force: true });
  await rm(baselineDir, { recursive: true, force: true });
}
