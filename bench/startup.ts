// How fast Tenantry answers, as a user starts it: `npm start` (no DATABASE_URL, embedded
// PostgreSQL) from spawning the command to the first 200 from /health, cold and warm; and
// `tenantry jobs monitor` to its first line of output, beside that running server.
// Baselines, measured in the same run: the embedded PostgreSQL alone, started the same way;
// and a bare Node process that connects with pg, runs one query and prints.
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { EmbeddedPostgres } from '../src/db/embedded.ts';
import { median, report } from './lib/report.ts';

const WARM_RUNS = 5;
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

async function freshDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tenantry-bench-start-'));
  await chmod(dir, 0o755);
  return dir;
}

function envFor(dataDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn' };
  delete env.DATABASE_URL;
  delete env.TENANTRY_ADMIN_KEY;
  return env;
}

/** Resolves with the time from spawning to the first line matching `pattern` on stdout. */
function untilOutput(child: ChildProcess, pattern: RegExp, started: number) {
  let out = '';
  return new Promise<{ ms: number; match: RegExpMatchArray }>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = out.match(pattern);
      if (match) resolve({ ms: performance.now() - started, match });
    });
    child.once('exit', (code) => reject(new Error(`exited ${code} before printing ${pattern}: ${out}`)));
  });
}

/**
 * SIGTERM to the child's whole process group (npm runs the script under a shell that does not
 * pass signals on), then waits until every process of the group is gone, so the next start
 * finds the data directory free.
 */
async function stopped(child: ChildProcess): Promise<void> {
  const group = -child.pid!;
  try {
    process.kill(group, 'SIGTERM');
  } catch {
    return;
  }
  for (;;) {
    try {
      process.kill(group, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** `npm start` (or `node bin/tenantry.js start`) to the first 200 from /health; returns the running child. */
async function timeStart(dataDir: string, viaNpm: boolean) {
  const started = performance.now();
  const options: SpawnOptions = {
    env: envFor(dataDir),
    stdio: ['ignore', 'pipe', 'inherit'],
    detached: true,
  };
  const child = viaNpm
    ? spawn(NPM, ['start', '--silent'], options)
    : spawn(process.execPath, ['bin/tenantry.js', 'start'], options);
  const { match } = await untilOutput(child, /API (http:\/\/\S+)/, started);
  for (;;) {
    const ok = await fetch(`${match[1]}/health`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  return { ms: performance.now() - started, child };
}

async function timePostgresAlone(dataDir: string): Promise<number> {
  const started = performance.now();
  const pg = await EmbeddedPostgres.start({ dataDir: path.join(dataDir, 'postgres') });
  const elapsed = performance.now() - started;
  await pg.stop();
  return elapsed;
}

/** `tenantry jobs monitor` beside the running server (it attaches to it) to its first output. */
async function timeMonitor(dataDir: string): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, ['bin/tenantry.js', 'jobs', 'monitor'], {
    env: envFor(dataDir),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const { ms } = await untilOutput(child, /\S/, started);
  await once(child, 'exit');
  return ms;
}

/** The floor for any Node CLI that asks the database something: connect, one query, print. */
async function timeBarePg(dataDir: string): Promise<number> {
  const script = `
    const { attachEmbedded } = await import(${JSON.stringify(path.resolve('src/db/embedded.ts'))});
    const pg = (await import('pg')).default;
    const client = new pg.Client({ connectionString: await attachEmbedded(process.argv[1]) });
    await client.connect();
    const { rows } = await client.query('SELECT count(*) FROM graphile_worker.jobs');
    console.log('jobs', rows[0].count);
    await client.end();`;
  const started = performance.now();
  const child = spawn(
    process.execPath,
    ['--input-type=module', '-e', script, path.join(dataDir, 'postgres')],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const { ms } = await untilOutput(child, /\S/, started);
  await once(child, 'exit');
  return ms;
}

const tenantryDir = await freshDir();
const baselineDir = await freshDir();
const children: ChildProcess[] = [];
try {
  const baselineCold = await timePostgresAlone(baselineDir);
  const cold = await timeStart(tenantryDir, true);
  await stopped(cold.child);
  const warmNpm: number[] = [];
  const warmNode: number[] = [];
  const baselineWarm: number[] = [];
  for (let i = 0; i < WARM_RUNS; i++) {
    baselineWarm.push(await timePostgresAlone(baselineDir));
    const npm = await timeStart(tenantryDir, true);
    warmNpm.push(npm.ms);
    await stopped(npm.child);
    const node = await timeStart(tenantryDir, false);
    warmNode.push(node.ms);
    await stopped(node.child);
  }
  const running = await timeStart(tenantryDir, false);
  children.push(running.child);
  const monitor: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < WARM_RUNS; i++) {
    bare.push(await timeBarePg(tenantryDir));
    monitor.push(await timeMonitor(tenantryDir));
  }

  const pgAlone = 'embedded PostgreSQL alone';
  const common = { bench: 'startup', metric: 'start to first /health 200', unit: 'ms', baseline: pgAlone };
  report({ ...common, variant: 'npm start, cold (initdb)', value: cold.ms, ratio: cold.ms / baselineCold });
  for (const [variant, runs] of [
    [`npm start, warm (median of ${WARM_RUNS})`, warmNpm],
    [`node bin/tenantry.js start, warm (median of ${WARM_RUNS})`, warmNode],
  ] as const) {
    report({ ...common, variant, value: median(runs), ratio: median(runs) / median(baselineWarm) });
  }
  report({
    bench: 'startup',
    metric: 'tenantry jobs monitor to first output',
    variant: `beside a running server (median of ${WARM_RUNS})`,
    value: median(monitor),
    unit: 'ms',
    baseline: 'node + pg: connect, one query, print',
    ratio: median(monitor) / median(bare),
  });
} finally {
  for (const child of children) await stopped(child);
  await rm(tenantryDir, { recursive: true, force: true });
  await rm(baselineDir, { recursive: true, force: true });
}
