/** Why a job's AbortSignal fired; also what its attempt fails with. */
export class JobTimeoutError extends Error {
  override readonly name = 'JobTimeoutError';
  constructor(timeoutMs: number) {
    super(`job timed out after ${timeoutMs} ms`);
  }
}

export class JobCancelledError extends Error {
  override readonly name = 'JobCancelledError';
  constructor() {
    super('job was cancelled');
  }
}

export class WorkerShutdownError extends Error {
  override readonly name = 'WorkerShutdownError';
  constructor() {
    super('worker shut down before the job finished');
  }
}

/** A failure no retry can fix (unknown tenant, payload that no longer validates): fail once, never retry. */
export class PermanentJobError extends Error {
  override readonly name = 'PermanentJobError';
}
