/** Rounds of a worker's slots kept admitted while rate-limited starts come late (at most). */
export const LATE_START_ROUNDS = 8;
/** How long the worker keeps its admissions at the lower depth once late starts crowd. */
export const LATE_START_HOLD_MS = 2_000;
/**
 * Late starts within a second, per worker slot, that lower the depth. A drain of rate-limited
 * jobs at its usual pace has a few (~4 a second per slot, jobs that waited behind a slow
 * batch); one sliding to the gate's pace has hundreds.
 */
export const LATE_STARTS_PER_SLOT = 10;

/**
 * How many jobs admission keeps queued for this worker (its admission slots): concurrency ×
 * SCHEDULER_BUFFER, or fewer rounds for a while after a rate-limited job started late.
 *
 * Why: a rate-limited job's admission charge stands for its start only until its slice and the
 * grace have passed (62-125 ms after admission at 1 s periods, migrations/0025); a later start
 * takes a start-gate round trip with its slot held. The jobs queued ahead of it are what make
 * it late: 20 rounds of 10 slots are ~45 ms of jobs at 4,400 jobs/s, past the grace once a slow
 * stretch lowers the rate, and each late start's round trip lowers it further, until the drain
 * runs at the gate's pace (bench:jobs (g2) fell to 0.31x of its throughput without limits on a
 * slow machine, and 1 round in 3 did on a normal one). A shallower queue while starts come late
 * breaks that loop (8 rounds: 0.88x in the same sitting, with no gate call); queues without
 * rate-limited jobs never come late this way and keep the full depth, which is faster for them
 * (8 rounds cost 10-20% there), and so do rate-limited drains with only a few late starts.
 */
export class AdmissionDepth {
  private lateUntil = 0;
  /** Fires when the hold ends, so the full depth is published then, not at the next beat. */
  private restore: NodeJS.Timeout | undefined;
  private countedSince = 0;
  private counted = 0;
  readonly full: number;
  readonly reduced: number;
  private readonly threshold: number;
  private readonly now: () => number;
  private readonly changed: () => void;

  /**
   * `changed` is called when the depth drops and again when it comes back: admission passes
   * sum the live workers' published slots, so other workers' passes would otherwise count the
   * lowered depth until this worker's next beat (up to 10 s).
   */
  constructor(
    concurrency: number,
    buffer: number,
    now: () => number = Date.now,
    changed: () => void = () => {},
  ) {
    this.full = concurrency * buffer;
    this.reduced = concurrency * Math.min(buffer, LATE_START_ROUNDS);
    this.threshold = concurrency * LATE_STARTS_PER_SLOT;
    this.now = now;
    this.changed = changed;
  }

  /** The admission slots to ask for now. */
  current(): number {
    return this.now() < this.lateUntil ? this.reduced : this.full;
  }

  /**
   * A rate-limited job starts past its charge. Once they crowd (the threshold within a second)
   * the depth is lowered for the hold, renewed while they go on; true when this call lowered it.
   */
  late(): boolean {
    const now = this.now();
    if (now - this.countedSince >= 1000) {
      this.countedSince = now;
      this.counted = 0;
    }
    this.counted += 1;
    if (this.counted < this.threshold) return false;
    if (this.reduced === this.full) return false;
    const lowered = this.current() === this.full;
    this.lateUntil = now + LATE_START_HOLD_MS;
    clearTimeout(this.restore);
    this.restore = setTimeout(() => {
      this.restore = undefined;
      if (this.current() === this.full) this.changed();
    }, LATE_START_HOLD_MS + 1);
    this.restore.unref();
    if (lowered) this.changed();
    return lowered;
  }

  /** No publication after the worker stops. */
  stop(): void {
    clearTimeout(this.restore);
    this.restore = undefined;
  }
}
