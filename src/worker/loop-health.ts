import type { WorkerEvents } from 'graphile-worker';

/**
 * Whether a worker's job loop is making progress, judged from graphile-worker's own events.
 * Progress is a fetch that reached the database (whether it found a job or not) or a job that
 * started or ended; a fetch that failed is not progress. A loop whose every slot is busy is
 * healthy as long as its jobs are still within their time limits (they end at the latest
 * then). The heartbeat is written only while the loop is healthy, so other workers rescue the
 * jobs of one whose loop died, hung or lost its database, and the supervisor restarts it.
 */
export class LoopHealth {
  private lastProgressAt = Date.now();
  private readonly busy = new Map<unknown, number>();
  private readonly windowMs: number;
  private readonly slotLimitMs: number;

  /**
   * `windowMs`: longest quiet time of a healthy idle loop (a few poll intervals).
   * `slotLimitMs`: longest a busy slot may go without ending (the largest task timeout, plus grace).
   */
  constructor(windowMs: number, slotLimitMs: number) {
    this.windowMs = windowMs;
    this.slotLimitMs = slotLimitMs;
  }

  /** Follows one pool's events; call again for each new pool (the same emitter is reused). */
  watch(events: WorkerEvents): void {
    const progress = () => {
      this.lastProgressAt = Date.now();
    };
    events.on('worker:getJob:empty', progress);
    events.on('localQueue:getJobs:complete', progress);
    events.on('job:start', ({ worker }) => {
      progress();
      this.busy.set(worker, Date.now());
    });
    events.on('job:complete', ({ worker }) => {
      progress();
      this.busy.delete(worker);
    });
  }

  /** A new pool starts with a clean slate: nothing busy, and time to make its first fetch. */
  reset(): void {
    this.busy.clear();
    this.lastProgressAt = Date.now();
  }

  healthy(now = Date.now()): boolean {
    if (now - this.lastProgressAt < this.windowMs) return true;
    if (this.busy.size === 0) return false;
    for (const since of this.busy.values()) if (now - since > this.slotLimitMs) return false;
    return true;
  }

  /** Milliseconds since the loop last made progress. */
  quietFor(now = Date.now()): number {
    return now - this.lastProgressAt;
  }
}
