// Fault injection: jobs dispatched through the API while workers are SIGKILLed and the
// database crashes and restarts, on a throwaway PostgreSQL of its own. Figures: jobs lost or
// stuck, duplicate executions, workers that exited or hung, recovery time after each database
// fault, and the API's answers during outages. See docs/chaos.md.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, ThrowawayPostgres } from '../test/helpers/throwaway-postgres.ts';
import {
  type BenchConnection,
  benchConnection,
  describeJobs,
  executions,
  firstCompletionAfter,
  jobCounts,
  peakStarts,
  prepareDatabase,
  settledJobCounts,
} from './lib/chaos-database.ts';
import { dispatchBulk } from './lib/chaos-dispatch.ts';
import { runFaults } from './lib/chaos-faults.ts';
import { ADMIN_KEY, createFleet, type Fleet, startFleet } from './lib/chaos-fleet.ts';
import { checkWorkers, type Liveness } from './lib/chaos-liveness.ts';
import { chaosPlan, ratedTenants, tenantIds } from './lib/chaos-plan.ts';
import { ChaosReport } from './lib/chaos-report.ts';
import { reportChaos } from './lib/chaos-summary.ts';
import { RECOVERING_MS, Timeline } from './lib/chaos-timeline.ts';
import { ApiClient, Trickle } from './lib/chaos-traffic.ts';

const plan = chaosPlan(process.argv.includes('--quick'));
const startedAt = Date.now();
// Room at the end of the time limit to compute and print the figures and to clean up.
const softDeadline = startedAt + plan.limitSeconds * 1000 - 60_000;
const say = (line: string) =>
  process.stderr.write(`chaos: ${((Date.now() - startedAt) / 1000).toFixed(1)} s ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const logDir = mkdtempSync(path.join(os.tmpdir(), 'tenantry-chaos-logs-'));
const postgres = new ThrowawayPostgres();
const timeline = new Timeline();
const trickle = new Trickle();
let fleet: Fleet | undefined;
let conn: BenchConnection | undefined;
let cancelled = false;

let cleaning: Promise<void> | undefined;
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    cancelled = true;
    await trickle.stop();
    await Promise.all((fleet?.all ?? []).map((slot) => slot.stop(5_000)));
    await conn?.close().catch(() => {});
    await postgres.destroy();
  })();
  return cleaning;
}

// Whatever happens, no process of ours outlives the run (the server has its own guards).
process.on('exit', () => {
  for (const slot of fleet?.all ?? []) slot.killNow();
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    say(`${signal}: stopping`);
    cleanup().finally(() => process.exit(130));
  });
}
// The last resort if the figures or the cleanup themselves hang.
setTimeout(() => {
  say(`time limit of ${plan.limitSeconds} s reached; killing everything`);
  process.exit(2);
}, plan.limitSeconds * 1000).unref();

/** Waits until every dispatched job is terminal, or settleSeconds after the last fault. */
async function settle(
  db: BenchConnection['db'],
  ids: string[],
): Promise<{ allTerminal: boolean; timedOut: boolean }> {
  let reported = 0;
  for (;;) {
    const counts = await jobCounts(db, ids).catch(() => undefined);
    if (counts && counts.terminal === ids.length) return { allTerminal: true, timedOut: false };
    const lastFault = timeline.lastFaultAt ?? startedAt;
    if (Date.now() >= lastFault + plan.settleSeconds * 1000) return { allTerminal: false, timedOut: false };
    if (Date.now() >= softDeadline) return { allTerminal: false, timedOut: true };
    if (counts && Date.now() - reported >= 10_000) {
      reported = Date.now();
      say(
        `${counts.terminal}/${ids.length} terminal, ${counts.waiting} waiting, ${counts.lost} without a job`,
      );
    }
    await sleep(1000);
  }
}

let exitCode = 0;
try {
  const tenants = tenantIds(plan.tenants);
  await postgres.start();
  say(`throwaway PostgreSQL at ${postgres.url.replace(/\/[^/]*$/, '')}; logs in ${logDir}`);
  conn = benchConnection(postgres.url);
  const rated = ratedTenants(plan, tenants);
  await prepareDatabase(conn, tenants, { ids: rated, ...plan.rated });
  const apiPort = await freePort();
  fleet = createFleet(plan, postgres.url, apiPort, logDir);
  await startFleet(fleet);
  say(
    `API on port ${apiPort} and ${plan.workers} workers ready; ${plan.jobs} jobs, ${plan.faults.length} faults`,
  );

  const api = new ApiClient(`http://127.0.0.1:${apiPort}`, ADMIN_KEY, timeline);
  const ids: string[] = [];
  const dispatched = (batch: string[]) => ids.push(...batch);
  const t0 = Date.now();
  trickle.start(api, tenants, dispatched);
  const { workers } = fleet;
  let faultError: unknown;
  const faults = runFaults(plan.faults, t0, {
    workers,
    postgres,
    timeline,
    cancelled: () => cancelled,
  }).catch((err: unknown) => {
    // PostgreSQL did not come back: nothing more can be measured.
    faultError = err;
    cancelled = true;
  });
  const bulk = await dispatchBulk(plan, api, tenants, t0, softDeadline, () => cancelled, dispatched);
  await faults;
  if (faultError) throw faultError;
  say(
    `faults done; ${bulk.batches - bulk.abandoned}/${bulk.batches} batches dispatched (${bulk.retries} retried)`,
  );
  // The trickle samples the recovering phase after the last outage too, then stops.
  await sleep(RECOVERING_MS);
  await trickle.stop();

  const { allTerminal, timedOut } = await settle(conn.db, ids);
  const settledAfter = (Date.now() - (timeline.lastFaultAt ?? t0)) / 1000;
  say(allTerminal ? 'every dispatched job is terminal' : 'gave up waiting for the jobs');
  const counts = await settledJobCounts(conn.db, ids);
  for (const line of await describeJobs(conn.db, [...counts.lostIds, ...counts.waitingIds].slice(0, 10))) {
    say(line);
  }
  const runs = await executions(conn.db);
  const ratedPeak = await peakStarts(conn.db, rated, plan.rated.periodMs);
  const recoveries = [];
  for (const fault of timeline.databaseFaults()) {
    const at =
      fault.answeredAt === undefined ? undefined : await firstCompletionAfter(conn.db, fault.answeredAt);
    recoveries.push({ fault, firstCompletionAt: at });
  }
  const apiAnswersAtEnd = (await api.request('list', 'GET', '/api/job-logs?page_size=1'))?.status === 200;
  let liveness: Liveness | undefined;
  if (!timedOut) {
    say('probing the running workers');
    liveness = await checkWorkers(conn.db, fleet.workers, tenants, plan.rescueAfterMs);
  }
  const kills = timeline.faults.filter((f) => f.kind === 'kill-worker' && !f.skipped).length;
  const report = new ChaosReport(
    `${plan.name}: ${plan.jobs} jobs, ${plan.tenants} tenants, ${plan.workers} workers x ${plan.concurrency}, ` +
      `${kills} worker kill${kills === 1 ? '' : 's'}, ${timeline.databaseFaults().length} database faults`,
  );
  reportChaos(report, {
    counts,
    executions: runs,
    selfExits: fleet.selfExits,
    liveness,
    recoveries,
    tally: api.tally,
    apiAnswersAtEnd,
    settledAfter,
    allTerminal,
    killedPids: new Set(timeline.faults.flatMap((f) => (f.pid === undefined ? [] : [f.pid]))),
    rated: { tenants: rated.length, limit: plan.rated.limit, periodMs: plan.rated.periodMs, peak: ratedPeak },
  });
  if (timedOut) say(`the time limit cut the run short: figures are what was measured by then`);
  exitCode = timedOut ? 2 : report.missed > 0 ? 1 : 0;
  say(report.missed > 0 ? `${report.missed} targets missed` : 'every target met');
} catch (err) {
  say(`the run failed: ${(err as Error).stack ?? err}`);
  if (postgres.log) say(`PostgreSQL's last lines:\n${postgres.log}`);
  exitCode = 2;
} finally {
  await cleanup();
  say(`cleaned up; process logs kept in ${logDir}`);
}
process.exit(exitCode);
