import type pg from 'pg';

/** Starts passed through the gate in one statement at most (a worker runs far fewer at once). */
const MAX_BATCH = 500;

interface Pending {
  lane: string;
  atMs: number;
  admittedMs: number | null;
  resolve: (waitMs: number) => void;
  reject: (err: unknown) => void;
}

/** When a rate-limited job was charged to its windows at admission (migrations/0025). */
export interface RateCharge {
  /** The admission pass's time (ms since the epoch, the database's clock). */
  atMs: number;
  /** Until when that charge stands for its start: its slice's end and the grace (0025). */
  untilMs: number;
}

/**
 * Whether a rate-limited job starting at `startedAt` needs the start gate. Admission charged
 * it to its windows in the slice of the pass; a start before that slice ends, or within the
 * grace after it (every check counts the grace back), is stood for by that charge. A later start
 * (the job waited long for a slot), or one of a job admitted without a known charge, goes
 * through the gate.
 */
export function needsStartGate(charge: RateCharge | undefined, startedAt: Date): boolean {
  return charge === undefined || startedAt.getTime() >= charge.untilMs;
}

/**
 * The start gate of a worker's rate-limited jobs that start after their admission's slice
 * (rate_start() and rate_start_batch() in migrations/0025): the job's admission charge comes off
 * and its start is charged in the slice it falls in, when its windows have room; else the job
 * goes back to its lane. The start is counted at the time the job log records as its start, so
 * the limit holds for job_logs.started_at (up to the skew between the worker's clock and the
 * database's, which charged the admission).
 *
 * Starts asked for while a call is in flight go together in the next one: one statement and
 * one commit for all of them, where each was a round trip of its own with its worker slot held.
 */
export class StartGate {
  private readonly pool: pg.Pool;
  private readonly onLate: () => void;
  private queued: Pending[] = [];
  private flying = false;

  /** `onLate` hears of every start that needs the gate (src/worker/admission-depth.ts). */
  constructor(pool: pg.Pool, onLate: () => void = () => {}) {
    this.pool = pool;
    this.onLate = onLate;
  }

  /**
   * 0 when the job of `lane` may start at `startedAt`, which charges the start; otherwise how
   * many milliseconds until its tenant's window (all its queues together), or its queue's, has
   * room (its admission's charge, made at `admittedMs`, is given back: it returns to its lane).
   */
  delay(lane: string, startedAt: Date, admittedMs?: number): Promise<number> {
    this.onLate();
    return new Promise<number>((resolve, reject) => {
      this.queued.push({ lane, atMs: startedAt.getTime(), admittedMs: admittedMs ?? null, resolve, reject });
      if (!this.flying) void this.fly();
    });
  }

  private async fly(): Promise<void> {
    this.flying = true;
    try {
      while (this.queued.length > 0) {
        const batch = this.queued.splice(0, MAX_BATCH);
        try {
          const { rows } = await this.pool.query<{ waits: string[] }>({
            name: 'tenantry-rate-start-batch',
            text: 'SELECT tenantry.rate_start_batch($1::text[], $2::bigint[], $3::bigint[]) AS waits',
            values: [batch.map((p) => p.lane), batch.map((p) => p.atMs), batch.map((p) => p.admittedMs)],
          });
          const waits = rows[0]?.waits ?? [];
          batch.forEach((p, i) => {
            p.resolve(Number(waits[i] ?? 0));
          });
        } catch (err) {
          // Each start fails as its own gate call did: the attempt fails and is retried.
          for (const p of batch) p.reject(err);
        }
      }
    } finally {
      this.flying = false;
    }
  }
}
