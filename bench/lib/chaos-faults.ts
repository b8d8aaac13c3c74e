import type { ThrowawayPostgres } from '../../test/helpers/throwaway-postgres.ts';
import type { PlannedFault } from './chaos-plan.ts';
import type { Slot } from './chaos-processes.ts';
import type { Timeline } from './chaos-timeline.ts';

export interface FaultTargets {
  workers: Slot[];
  postgres: ThrowawayPostgres;
  timeline: Timeline;
  /** Set when the run is being cut short; pending faults are then skipped. */
  cancelled: () => boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until `due` (ms since the epoch), in short steps so a cancelled run does not wait. */
async function until(due: number, cancelled: () => boolean): Promise<boolean> {
  while (Date.now() < due) {
    if (cancelled()) return false;
    await sleep(Math.min(250, due - Date.now()));
  }
  return !cancelled();
}

let nextVictim = 0;

/** SIGKILLs the next live worker in turn; its slot restarts it once the exit is observed. */
function killWorker(targets: FaultTargets, fault: PlannedFault): void {
  const { workers, timeline } = targets;
  for (let tried = 0; tried < workers.length; tried++) {
    const slot = workers[nextVictim++ % workers.length]!;
    const pid = slot.pid;
    if (pid !== undefined && slot.kill()) {
      timeline.record({ kind: fault.kind, at: Date.now(), worker: slot.name, pid });
      return;
    }
  }
  timeline.record({ kind: fault.kind, at: Date.now(), skipped: 'no worker was running' });
}

/** Stops PostgreSQL (immediate or fast), leaves it down for a while, starts it again. */
async function databaseFault(targets: FaultTargets, fault: PlannedFault): Promise<void> {
  const { postgres, timeline } = targets;
  const record = timeline.record({ kind: fault.kind, at: Date.now() });
  timeline.databaseDown(record);
  await (fault.kind === 'pg-crash' ? postgres.crash() : postgres.stopFast());
  // The outage is timed from the moment it stopped, whatever the shutdown took.
  await sleep((fault.downSeconds ?? 4) * 1000);
  timeline.databaseUp(record, await postgres.start());
}

/** Injects the planned faults, each at its time after `t0`, in order. */
export async function runFaults(faults: PlannedFault[], t0: number, targets: FaultTargets): Promise<void> {
  for (const fault of faults) {
    if (!(await until(t0 + fault.at * 1000, targets.cancelled))) return;
    process.stderr.write(`chaos: t+${((Date.now() - t0) / 1000).toFixed(1)} s ${fault.kind}\n`);
    if (fault.kind === 'kill-worker') killWorker(targets, fault);
    else await databaseFault(targets, fault);
  }
}
