import type { Executions, JobCounts } from './chaos-database.ts';
import type { Liveness } from './chaos-liveness.ts';
import type { SelfExit } from './chaos-processes.ts';
import { below, type ChaosReport, zero } from './chaos-report.ts';
import type { FaultRecord, Phase } from './chaos-timeline.ts';
import type { Tally } from './chaos-traffic.ts';

export interface ChaosResults {
  counts: JobCounts;
  executions: Executions;
  selfExits: SelfExit[];
  liveness: Liveness | undefined;
  /** PostgreSQL faults with, for each, the first job completed after it answered again. */
  recoveries: { fault: FaultRecord; firstCompletionAt: number | undefined }[];
  tally: Tally;
  apiAnswersAtEnd: boolean;
  /** Seconds from the last fault to the moment every job was terminal (or the wait ended). */
  settledAfter: number;
  allTerminal: boolean;
  /** Workers the benchmark SIGKILLed: a duplicate first completed in one is at-least-once at work. */
  killedPids: Set<number>;
  /** The rate-limited tenants: their limit and the most starts any had within one period. */
  rated: { tenants: number; limit: number; periodMs: number; peak: number };
}

/** Where the duplicates come from: a kill between a handler's end and its completion being recorded, or not. */
function duplicateDetail(r: ChaosResults): string {
  const { extra, duplicates } = r.executions;
  if (duplicates.length === 0) return 'job logs with more than one completed execution; none';
  const afterKill = duplicates.filter((d) => r.killedPids.has(d.pids[0]!)).length;
  const ids = duplicates.slice(0, 10).map((d) => d.id);
  return (
    `job logs with more than one completed execution; ${extra} extra completions; ` +
    `${afterKill} first completed by a worker the benchmark SIGKILLed, ${duplicates.length - afterKill} not; ` +
    `job logs ${ids.join(' ')}`
  );
}

const codes = (exits: SelfExit[]) => {
  const byCode = new Map<string, number>();
  for (const exit of exits) {
    const key = exit.signal ?? `code ${exit.code}`;
    byCode.set(key, (byCode.get(key) ?? 0) + 1);
  }
  return [...byCode].map(([code, n]) => `${code} x${n}`).join(', ') || 'none';
};

const seconds = (from: number | undefined, to: number | undefined) =>
  from !== undefined && to !== undefined ? (to - from) / 1000 : -1;

/** Prints every figure; `-1 s` stands for "never happened" (no job completed after the fault). */
export function reportChaos(report: ChaosReport, r: ChaosResults): void {
  const { counts } = r;
  report.figure('jobs dispatched', counts.dispatched, 'jobs');
  report.figure('job logs terminal', counts.terminal, 'jobs', {
    text: String(counts.dispatched),
    met: counts.terminal === counts.dispatched,
  });
  report.figure('lost jobs', counts.lost, 'jobs', zero(counts.lost), counts.lostIds.slice(0, 10).join(' '));
  report.figure(
    'stuck jobs',
    counts.waiting,
    'jobs',
    zero(counts.waiting),
    r.allTerminal ? 'every job terminal' : `not terminal ${r.settledAfter.toFixed(0)} s after the last fault`,
  );
  report.figure('jobs failed permanently', counts.failed, 'jobs', zero(counts.failed));
  report.figure(
    'executions',
    r.executions.total,
    'attempts',
    undefined,
    `${r.executions.unfinished} unfinished`,
  );
  report.figure('duplicate executions', r.executions.duplicated, 'jobs', undefined, duplicateDetail(r));
  const { rated } = r;
  report.figure(
    `most starts of a rate-limited tenant in any ${rated.periodMs} ms`,
    rated.peak,
    'starts',
    { text: `<= ${rated.limit}`, met: rated.peak <= rated.limit },
    `${rated.tenants} tenants held to ${rated.limit} starts per ${rated.periodMs} ms; from the job logs (last attempts' starts)`,
  );
  report.figure(
    'drain after the last fault',
    r.settledAfter,
    's',
    undefined,
    r.allTerminal ? 'all terminal' : 'gave up',
  );

  const workerExits = r.selfExits.filter((e) => e.name !== 'api');
  const apiExits = r.selfExits.filter((e) => e.name === 'api');
  report.figure('workers exited by themselves', workerExits.length, 'exits', undefined, codes(workerExits));
  report.figure('API exited by itself', apiExits.length, 'exits', undefined, codes(apiExits));
  const stuckWorkers = r.liveness?.workers.filter((w) => w.needsRestart) ?? [];
  report.figure(
    'workers needing a manual restart',
    r.liveness ? stuckWorkers.length : -1,
    'workers',
    zero(r.liveness ? stuckWorkers.length : -1),
    r.liveness
      ? r.liveness.workers.map((w) => `${w.name} pid ${w.pid}: ${w.reason}, ${w.probes} probes`).join('; ')
      : 'not checked',
  );

  r.recoveries.forEach(({ fault, firstCompletionAt }, i) => {
    const label = `PostgreSQL fault ${i + 1} (${fault.kind === 'pg-crash' ? 'crash' : 'fast restart'})`;
    const down = seconds(fault.downAt, fault.answeredAt);
    const recovery = seconds(fault.answeredAt, firstCompletionAt);
    report.figure(
      `${label}: first job completed after it answered again`,
      recovery,
      's',
      below(10, 's', recovery),
      `down ${down.toFixed(1)} s`,
    );
    report.figure(
      `${label}: first API 2xx after it answered again`,
      seconds(fault.answeredAt, fault.firstApiOkAt),
      's',
    );
  });

  for (const phase of ['outage', 'recovering', 'normal'] as Phase[]) {
    const s = r.tally.summary(phase);
    const statuses = Object.entries(s.byStatus)
      .map(([status, n]) => `${status}: ${n}`)
      .join(', ');
    report.figure(`API requests ${phase}`, s.total, 'requests', undefined, statuses || 'none');
    report.figure(
      `API 5xx other than 503 ${phase}`,
      s.otherServerErrors,
      'responses',
      zero(s.otherServerErrors),
    );
    report.figure(`API 503 ${phase}`, s.unavailable, 'responses');
    report.figure(`API connection errors and timeouts ${phase}`, s.connectionErrors + s.timeouts, 'requests');
  }
  report.figure('API answers at the end', r.apiAnswersAtEnd ? 1 : 0, 'bool', {
    text: '1',
    met: r.apiAnswersAtEnd,
  });
}
