import type { FaultKind } from './chaos-plan.ts';

/** What the API and workers live through at a given moment. */
export type Phase = 'outage' | 'recovering' | 'normal';

/** After PostgreSQL answers again, this long counts as recovering rather than normal. */
export const RECOVERING_MS = 10_000;

export interface FaultRecord {
  kind: FaultKind;
  /** When it was injected (ms since the epoch). */
  at: number;
  /** Worker kills: which process. */
  worker?: string;
  pid?: number;
  /** PostgreSQL faults: when it stopped answering and when it answered again. */
  downAt?: number;
  answeredAt?: number;
  /** The first 2xx from the API after PostgreSQL answered again. */
  firstApiOkAt?: number;
  skipped?: string;
}

/** The faults as they happened, and the phase any moment of the run falls in. */
export class Timeline {
  readonly faults: FaultRecord[] = [];
  private outage: FaultRecord | undefined;
  private lastAnsweredAt = 0;

  record(fault: FaultRecord): FaultRecord {
    this.faults.push(fault);
    return fault;
  }

  databaseDown(fault: FaultRecord): void {
    fault.downAt = Date.now();
    this.outage = fault;
  }

  databaseUp(fault: FaultRecord, answeredAt: number): void {
    fault.answeredAt = answeredAt;
    this.lastAnsweredAt = answeredAt;
    this.outage = undefined;
  }

  phase(at = Date.now()): Phase {
    if (this.outage) return 'outage';
    return this.lastAnsweredAt && at - this.lastAnsweredAt < RECOVERING_MS ? 'recovering' : 'normal';
  }

  /**
   * The phase of a request sent at `sentAt` and answered at `answeredAt`: an outage that began
   * while it was in flight makes it an outage request too, since its answer comes from that.
   */
  requestPhase(sentAt: number, answeredAt: number): Phase {
    const overlapped = this.databaseFaults().some(
      (f) => f.downAt !== undefined && f.downAt <= answeredAt && (f.answeredAt ?? answeredAt) >= sentAt,
    );
    return overlapped ? 'outage' : this.phase(sentAt);
  }

  /** A successful API answer to a request sent at `sentAt`. */
  apiAnswered(sentAt: number): void {
    const fault = this.databaseFaults().at(-1);
    if (fault?.answeredAt && sentAt >= fault.answeredAt && fault.firstApiOkAt === undefined) {
      fault.firstApiOkAt = Date.now();
    }
  }

  databaseFaults(): FaultRecord[] {
    return this.faults.filter((f) => f.kind !== 'kill-worker');
  }

  /** When the last fault ended: a kill's moment, or the moment PostgreSQL answered again. */
  get lastFaultAt(): number | undefined {
    const ends = this.faults.map((f) => f.answeredAt ?? f.at);
    return ends.length ? Math.max(...ends) : undefined;
  }
}
