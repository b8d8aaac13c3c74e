import type { RateCharge } from './rate-gate.ts';

/** What dispatch (and admission, for laned jobs) puts in a graphile-worker job's payload. */
export interface Envelope {
  log: string;
  tenant: string | undefined;
  queue: string;
  payload: unknown;
  /** Admitted from a lane by the scheduler (migrations/0009): retries go back to the lane. */
  laned: boolean;
  /** Its lane had a rate limit when it was admitted: its start is counted (rate-gate.ts). */
  rated: boolean;
  /** Its admission's charge to its rate windows (absent for jobs admitted before 0025). */
  charge: RateCharge | undefined;
  /** Attempts made before this admission (a laned job's retries are new graphile-worker jobs). */
  attempt: number;
}

/** The envelope of a job's payload; undefined when it has none (crontab jobs, see adoptCronJob). */
export function envelopeOf(raw: unknown): Envelope | undefined {
  if (typeof raw !== 'object' || raw === null || !('log' in raw)) return undefined;
  const { log, tenant, queue, payload, laned, rated, rated_at, rated_until, attempt } = raw as {
    log: unknown;
    tenant?: unknown;
    queue?: unknown;
    payload?: unknown;
    laned?: unknown;
    rated?: unknown;
    rated_at?: unknown;
    rated_until?: unknown;
    attempt?: unknown;
  };
  if (typeof log !== 'number' && typeof log !== 'string') return undefined;
  return {
    log: String(log),
    tenant: typeof tenant === 'string' ? tenant : undefined,
    queue: typeof queue === 'string' ? queue : 'default',
    payload,
    laned: laned === true && typeof tenant === 'string',
    rated: rated === true && laned === true && typeof tenant === 'string',
    charge:
      typeof rated_at === 'number' && typeof rated_until === 'number'
        ? { atMs: rated_at, untilMs: rated_until }
        : undefined,
    attempt: typeof attempt === 'number' && Number.isInteger(attempt) && attempt >= 0 ? attempt : 0,
  };
}
