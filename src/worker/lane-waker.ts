import type { WorkerEvents } from 'graphile-worker';

const RETRIES = 10;
const FIRST_DELAY_MS = 1;

/**
 * Fetches again, shortly, when a worker comes back empty-handed right after a job finished,
 * instead of letting it sleep until its next poll.
 *
 * A finished job's lane (a named queue) stays locked until graphile-worker's batched
 * completion unlocks it a moment later; the worker that ran the job fetches its next one at
 * once, before that. graphile-worker 0.17 wakes nobody when a lane is
 * unlocked, so a tenant draining a backlog on one lane would run one job per poll interval.
 * Waking every idle worker instead (as a `jobs:insert` notification does) costs more than it
 * brings: it fetches by locking every available queue row (FOR UPDATE SKIP LOCKED), so
 * concurrent fetches mostly leave each other empty-handed. Hence, when no other fetch is under
 * way, one delayed retry at a time, with delays doubling from 1 ms to about half a second
 * after each completion, so a completion delayed by a busy event loop is still caught.
 */
export class LaneWaker {
  private retries = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Workers fetching a job now. */
  private readonly fetching = new Set<unknown>();

  private readonly nudge: (count: number) => void;

  constructor(events: WorkerEvents, nudge: (count: number) => void) {
    this.nudge = nudge;
    events.on('job:complete', () => {
      this.retries = 0;
    });
    events.on('worker:getJob:start', ({ worker }) => this.fetching.add(worker));
    events.on('job:start', ({ worker }) => this.fetching.delete(worker));
    events.on('worker:getJob:error', ({ worker }) => this.fetching.delete(worker));
    events.on('worker:getJob:empty', ({ worker }) => {
      this.fetching.delete(worker);
      // Of fetches under way together, the last to come back empty decides.
      if (this.fetching.size > 0) return;
      if (this.retries < RETRIES && !this.timer) {
        const delay = FIRST_DELAY_MS * 2 ** this.retries++;
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.nudge(1);
        }, delay);
        this.timer.unref();
      }
    });
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}
