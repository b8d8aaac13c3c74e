// (f) Quiet tenant latency: 1,000 busy tenants (cap CAP each) drain a no-op backlog dispatched
// before the worker starts, while 40 quiet tenants each dispatch a single job every 4 s
// (staggered: one quiet job every 100 ms in all), each in its own dispatchJobs call. Quiet
// means below its fair share: a tenant sending more than its share of the workers' rate is a
// busy tenant, and waits its turn like the others. Start latency is job_logs.started_at -
// created_at (created in the dispatch transaction, started when the handler is entered).
// Default scheduler settings (SCHEDULER_BUFFER 20).
import { sql } from 'kysely';
import { dispatchJobs } from '../../src/jobs/dispatch.ts';
import type { BenchDatabase } from './database.ts';
import { clearJobs } from './jobs-checks.ts';
import {
  benchRegistry,
  createTenants,
  dispatchBacklog,
  figure,
  tally,
  tenantryWorker,
} from './jobs-harness.ts';
import { percentile } from './report.ts';

const BUSY_TENANTS = 1000;
const TICK_MS = 50;
const QUIET_TENANTS = 40;
/** Ticks between two jobs of one quiet tenant: every 4 s. */
const EVERY = 80;

export async function quietLatency(bench: BenchDatabase, busyJobs: number, limitMs: number): Promise<void> {
  const busy = await createTenants(bench, BUSY_TENANTS, 'busy');
  const quiet = await createTenants(bench, QUIET_TENANTS, 'quiet');
  await dispatchBacklog(bench, busy, busyJobs);
  await sql`ANALYZE tenantry.lanes, tenantry.lane_jobs, tenantry.job_logs`.execute(bench.db);
  const worker = await tenantryWorker(bench);
  tally.reset();
  const t0 = performance.now();
  await worker.start();
  const quietDone = () => quiet.reduce((n, t) => n + (tally.byKey.get(t) ?? 0), 0);
  const busyDone = () => tally.done - quietDone();
  let sent = 0;
  for (let tick = 0; busyDone() < busyJobs && performance.now() - t0 < limitMs; tick++) {
    // Tenant i sends on ticks i*2, i*2 + EVERY, ...: one quiet job every 100 ms in all.
    const i = (tick % EVERY) / 2;
    if (Number.isInteger(i) && i < QUIET_TENANTS) {
      await dispatchJobs(bench.db, benchRegistry, [{ task: 'bench-noop', payload: {}, tenant: quiet[i] }]);
      sent += 1;
    }
    const next = t0 + (tick + 1) * TICK_MS - performance.now();
    if (next > 0) await new Promise((r) => setTimeout(r, next));
  }
  const drainSeconds = (performance.now() - t0) / 1000;
  const busyRate = busyDone() / drainSeconds;
  const drained = busyDone() >= busyJobs;
  const total = sent;
  await tally.until(0, performance.now() + 30_000, () => quietDone() >= total);
  const repeats = tally.repeats;
  await worker.stop();

  const { rows } = await sql<{ tenant_id: string; ms: number | null; after: number }>`
    SELECT tenant_id, extract(epoch FROM started_at - created_at) * 1000 AS ms,
           extract(epoch FROM created_at - min(created_at) OVER ()) * 1000 AS after
    FROM tenantry.job_logs WHERE tenant_id = ANY(${quiet}::text[]) ORDER BY id`.execute(bench.db);
  const problem = await clearJobs(bench, 'quiet tenant latency', drained);
  const latencies = rows.map((r) => (r.ms === null ? Number.POSITIVE_INFINITY : Number(r.ms)));
  const neverStarted = rows.filter((r) => r.ms === null).length;
  // The worker's first seconds (connections, plans, the first admissions) shown apart.
  const settled = rows
    .filter((r) => Number(r.after) >= 2000)
    .map((r) => (r.ms === null ? Number.POSITIVE_INFINITY : Number(r.ms)));
  const variant = `${QUIET_TENANTS} quiet tenants, 1 job each / ${(EVERY * TICK_MS) / 1000} s, while ${BUSY_TENANTS.toLocaleString('en')} tenants drain ${busyJobs.toLocaleString('en')} jobs`;
  const detail =
    `${sent} quiet jobs over ${drainSeconds.toFixed(1)} s; busy tenants drained at ${busyRate.toFixed(0)} jobs/s` +
    ` (fair share ${(busyRate / (BUSY_TENANTS + QUIET_TENANTS)).toFixed(2)} jobs/s per tenant, quiet ones send 0.25)` +
    `${drained ? '' : ', cut before they drained'}; max ${percentile(latencies, 100).toFixed(0)} ms` +
    `; jobs sent after the first 2 s: p50 ${percentile(settled, 50).toFixed(0)} ms, p99 ${percentile(settled, 99).toFixed(0)} ms` +
    `${neverStarted ? `; ${neverStarted} never started` : ''}${repeats ? `; ${repeats} jobs ran twice` : ''}` +
    `${problem ? `; ${problem}` : ''}`;
  figure({ metric: 'quiet tenant start latency p50', variant, value: percentile(latencies, 50), unit: 'ms' });
  figure({
    metric: 'quiet tenant start latency p99',
    variant,
    value: percentile(latencies, 99),
    unit: 'ms',
    target: '< 100 ms',
    met: percentile(latencies, 99) < 100 && neverStarted === 0,
    detail,
  });
}
