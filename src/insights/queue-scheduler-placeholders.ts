/**
 * PLACEHOLDERS for the fair scheduler's per-lane figures (cap, weight, rate limit, fair share,
 * paused). The scheduler that keeps tenant lanes out of graphile-worker (see the design's Jobs
 * section) is not in this code base yet; until it is, every lane reports these as null and the
 * dashboard shows them as "not available". When it lands, this module is the one place to read
 * them from it; nothing else in the API or the dashboard needs to change shape.
 */
export interface LaneSchedulerFigures {
  /** Jobs of the lane that may run at once, cluster-wide. */
  cap: number | null;
  /** The lane's weight in the fair share. */
  weight: number | null;
  /** Admissions per second the lane is limited to; null: unlimited or unknown. */
  rate_limit: number | null;
  /** Share (0-1) of admissions the lane received over the last minutes. */
  fair_share: number | null;
  /** Whether the lane is paused (pause/resume come with the scheduler). */
  paused: boolean | null;
  /** Jobs admitted to the ready set and not yet running. */
  admitted: number | null;
}

export const SCHEDULER_FIGURES_AVAILABLE = false;

/** The scheduler's figures of one (tenant, queue) lane group; null everywhere for now. */
export function laneSchedulerFigures(_tenant: string | null, _queue: string): LaneSchedulerFigures {
  return { cap: null, weight: null, rate_limit: null, fair_share: null, paused: null, admitted: null };
}
