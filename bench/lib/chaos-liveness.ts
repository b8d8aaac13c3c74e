import os from 'node:os';
import { sql } from 'kysely';
import type { Db } from '../../src/db/database.ts';
import { dispatchJobs } from '../../src/jobs/dispatch.ts';
import { TaskRegistry } from '../../src/jobs/registry.ts';
import { chaosTasks } from '../../test/fixtures/chaos-tasks.ts';
import type { Slot } from './chaos-processes.ts';

export interface WorkerHealth {
  name: string;
  pid: number;
  /** Since its heartbeat row was last written; undefined when it has no row. */
  heartbeatAgeMs: number | undefined;
  /** Probe jobs it took during the window. */
  probes: number;
  needsRestart: boolean;
  reason: string;
}

export interface Liveness {
  workers: WorkerHealth[];
  probesDispatched: number;
  probesLeft: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Which running workers would need someone to restart them by hand. A worker that exited was
 * restarted by the supervisor; one that is still running but no longer works is the failure
 * nothing automatic repairs. After the faults, a few quick probe jobs per tenant are
 * dispatched (directly, so a broken API cannot hide the workers' state). A running worker
 * needs a restart when its heartbeat row is missing or older than the rescue delay (the
 * others would declare it dead and release its jobs), or when it took no probe job while
 * probes were still waiting at the end of the window.
 */
export async function checkWorkers(
  db: Db,
  slots: Slot[],
  tenants: string[],
  rescueAfterMs: number,
  windowMs = 20_000,
): Promise<Liveness> {
  const registry = new TaskRegistry(chaosTasks);
  const specs = tenants.flatMap((tenant) =>
    Array.from({ length: 3 }, () => ({ task: 'chaos-quick', payload: { probe: true }, tenant })),
  );
  const ids = (await dispatchJobs(db, registry, specs)).map((job) => job.id);
  const deadline = Date.now() + windowMs;
  let left = ids.length;
  while (left > 0 && Date.now() < deadline) {
    await sleep(500);
    const { rows } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM tenantry.job_logs
      WHERE id = ANY(${ids}::bigint[]) AND status NOT IN ('completed', 'failed', 'cancelled')`.execute(db);
    left = rows[0]!.n;
  }
  const taken = await sql<{ pid: number; n: number }>`
    SELECT worker_pid AS pid, count(*)::int AS n FROM chaos_runs
    WHERE job_log_id = ANY(${ids}::bigint[]) GROUP BY worker_pid`.execute(db);
  const beats = await sql<{ pid: number; age_ms: number }>`
    SELECT pid, (extract(epoch FROM now() - max(last_seen_at)) * 1000)::int AS age_ms
    FROM tenantry.workers WHERE hostname = ${os.hostname()} GROUP BY pid`.execute(db);
  const workers: WorkerHealth[] = [];
  for (const slot of slots) {
    const pid = slot.pid;
    if (pid === undefined) continue;
    const heartbeatAgeMs = beats.rows.find((b) => b.pid === pid)?.age_ms;
    const probes = taken.rows.find((t) => t.pid === pid)?.n ?? 0;
    const reasons = [
      heartbeatAgeMs === undefined ? 'no heartbeat row' : undefined,
      heartbeatAgeMs !== undefined && heartbeatAgeMs > rescueAfterMs
        ? `heartbeat ${(heartbeatAgeMs / 1000).toFixed(1)} s old`
        : undefined,
      probes === 0 && left > 0 ? `took none of ${left} probe jobs left waiting` : undefined,
    ].filter((r): r is string => r !== undefined);
    workers.push({
      name: slot.name,
      pid,
      heartbeatAgeMs,
      probes,
      needsRestart: reasons.length > 0,
      reason: reasons.join('; ') || 'progressing',
    });
  }
  return { workers, probesDispatched: ids.length, probesLeft: left };
}
