import type { Listener } from '../db/listener.ts';
import { JobCancelledError } from './errors.ts';

/** Carries job-log ids to cancel; every worker process listens, the one running the job acts. */
export const CANCEL_CHANNEL = 'tenantry_job_cancel';

/** The AbortControllers of the jobs running in this process, by job-log id. */
export class RunningJobs {
  private readonly controllers = new Map<string, AbortController>();

  register(logId: string, controller: AbortController): () => void {
    this.controllers.set(logId, controller);
    return () => {
      if (this.controllers.get(logId) === controller) this.controllers.delete(logId);
    };
  }

  get size(): number {
    return this.controllers.size;
  }

  /** Aborts every job still running here (their pool is gone; see PoolSupervisor). */
  abortAll(reason: Error): void {
    for (const controller of this.controllers.values()) controller.abort(reason);
  }

  cancel(logId: string): boolean {
    const controller = this.controllers.get(logId);
    controller?.abort(new JobCancelledError());
    return controller !== undefined;
  }

  async listen(listener: Listener): Promise<() => void> {
    return listener.listen(CANCEL_CHANNEL, (payload) => {
      for (const id of payload.split(',')) this.cancel(id.trim());
    });
  }
}
