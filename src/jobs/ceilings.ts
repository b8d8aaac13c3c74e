/**
 * Bounds one worker process puts on the tenant jobs it runs (`tenantry worker --tries
 * --timeout`, as a queue worker's flags of the same names): an operator's guard for that
 * process, on top of what each job carries. They only lower: a job's `max_attempts` is fixed at
 * dispatch and shown in its log, and a task's timeout is what its handler was written for, so a
 * worker never grants more. A job whose attempts reach the worker's bound fails for good there
 * (its log says why), even when it had attempts left: no other worker picks it up again. Tasks
 * that are not tenant work (backups, restores, maintenance, callback deliveries) keep their own
 * limits: a worker started with `--timeout 60` must not cut a six-hour maintenance run.
 */
export interface JobCeilings {
  /** Attempts a job may have in this worker, counting those made before (1 to 25). */
  tries?: number | undefined;
  /** Longest one attempt may run in this worker, in ms. */
  timeoutMs?: number | undefined;
}

export function attemptTimeoutMs(taskTimeoutMs: number, ceilings: JobCeilings | undefined): number {
  return Math.min(taskTimeoutMs, ceilings?.timeoutMs ?? Number.POSITIVE_INFINITY);
}

export function attemptsAllowed(jobMaxAttempts: number, ceilings: JobCeilings | undefined): number {
  return Math.min(jobMaxAttempts, ceilings?.tries ?? Number.POSITIVE_INFINITY);
}
