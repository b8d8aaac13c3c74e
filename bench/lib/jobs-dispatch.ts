// (i) Bulk dispatch: dispatchJobs with 1,000 tenant jobs per call over 100 tenants (validation,
// job_logs rows, lane rows, enqueue_job_batch()'s admission pass), against graphile-worker's own
// add_jobs with 1,000 specs per call into its unnamed queue, calls alternating. No worker is
// registered, so admission has no room and nothing runs: this is the cost of enqueueing.
import { sql } from 'kysely';
import { type DispatchSpec, dispatchJobs, validateSpec } from '../../src/jobs/dispatch.ts';
import type { BenchDatabase } from './database.ts';
import { clearJobs } from './jobs-checks.ts';
import { benchRegistry, createTenants, figure } from './jobs-harness.ts';

const PER_CALL = 1000;
const TENANTS = 100;

export async function bulkDispatch(bench: BenchDatabase, calls: number): Promise<void> {
  const tenants = await createTenants(bench, TENANTS, 'bulk');
  const { rows: live } = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM tenantry.workers WHERE last_seen_at > now() - interval '1 minute'`.execute(
    bench.db,
  );
  const specs = (call: number): DispatchSpec[] =>
    Array.from({ length: PER_CALL }, (_, i) => ({
      task: 'bench-noop',
      payload: {},
      tenant: tenants[(call * PER_CALL + i) % TENANTS],
    }));
  const payloads = Array.from({ length: PER_CALL }, () => '{}');
  const raw = () =>
    sql`SELECT count(*) FROM graphile_worker.add_jobs(ARRAY(
          SELECT ROW('raw-noop', p, NULL, now(), 1, NULL, 0, NULL)::graphile_worker.job_spec
          FROM unnest(${payloads}::json[]) WITH ORDINALITY AS u(p, ord) ORDER BY ord), false)`.execute(
      bench.db,
    );

  // One untimed call each first: lanes are created, statements prepared, caches warm.
  await dispatchJobs(bench.db, benchRegistry, specs(0));
  await raw();
  let ours = 0;
  let theirs = 0;
  let validation = 0;
  for (let call = 1; call <= calls; call++) {
    const batch = specs(call);
    let t = performance.now();
    await dispatchJobs(bench.db, benchRegistry, batch);
    ours += performance.now() - t;
    // The part of dispatchJobs spent in JavaScript before the statement (timed apart, not added).
    t = performance.now();
    for (const [i, spec] of batch.entries()) validateSpec(benchRegistry, spec, String(i));
    validation += performance.now() - t;
    t = performance.now();
    await raw();
    theirs += performance.now() - t;
  }
  const { rows: admitted } = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM tenantry.lane_jobs WHERE job_id IS NOT NULL`.execute(bench.db);
  await clearJobs(bench, 'bulk dispatch', false);
  const oursRate = (calls * PER_CALL) / (ours / 1000);
  const theirsRate = (calls * PER_CALL) / (theirs / 1000);
  figure({
    metric: 'bulk dispatch',
    variant: `${PER_CALL.toLocaleString('en')} tenant jobs per dispatchJobs call over ${TENANTS} tenants, ${calls} calls`,
    value: oursRate,
    unit: 'jobs/s',
    baseline: `graphile_worker.add_jobs, ${PER_CALL.toLocaleString('en')} specs per call (${theirsRate.toFixed(0)} jobs/s)`,
    ratio: oursRate / theirsRate,
    target: '>= 0.5x',
    met: oursRate / theirsRate >= 0.5,
    detail: `${(ours / calls).toFixed(1)} ms per call (validating the specs ${(validation / calls).toFixed(1)} ms of it) against ${(theirs / calls).toFixed(1)} ms; live workers ${live[0]!.n}, jobs admitted ${admitted[0]!.n}`,
  });
}
