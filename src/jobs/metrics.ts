/** Per-process job counters; the heartbeat publishes them so any process can report the cluster. */
export interface TaskCounters {
  processed: number;
  failed: number;
  retried: number;
  cancelled: number;
}

export interface MetricsSnapshot extends TaskCounters {
  active: number;
  tasks: Record<string, TaskCounters>;
}

const zero = (): TaskCounters => ({ processed: 0, failed: 0, retried: 0, cancelled: 0 });

export class JobMetrics {
  private readonly totals = zero();
  private readonly byTask = new Map<string, TaskCounters>();
  private active = 0;

  private bump(task: string, key: keyof TaskCounters): void {
    this.totals[key] += 1;
    let counters = this.byTask.get(task);
    if (!counters) {
      counters = zero();
      this.byTask.set(task, counters);
    }
    counters[key] += 1;
  }

  started(): void {
    this.active += 1;
  }

  /** Every attempt ends in exactly one of these. */
  completed(task: string): void {
    this.active -= 1;
    this.bump(task, 'processed');
  }

  /** `final`: no attempts remain (permanently failed); otherwise it will be retried. */
  failed(task: string, final: boolean): void {
    this.active -= 1;
    this.bump(task, final ? 'failed' : 'retried');
  }

  cancelled(task: string): void {
    this.active -= 1;
    this.bump(task, 'cancelled');
  }

  snapshot(): MetricsSnapshot {
    return { ...this.totals, active: this.active, tasks: Object.fromEntries(this.byTask) };
  }
}
