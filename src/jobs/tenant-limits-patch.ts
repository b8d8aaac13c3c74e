import { invalid } from '../errors.ts';
import { assertQueueName } from './lanes.ts';
import type { Rate } from './tenant-limits.ts';

/** A JSON Merge Patch of the overrides: absent leaves a setting alone, null returns it to the plan. */
export interface LimitsPatch {
  concurrency?: number | null;
  weight?: number | null;
  /** A partial rate merges into the current override; both parts are needed when there is none. */
  rate?: { limit?: number; periodMs?: number } | null;
  paused?: boolean | null;
  pausedQueues?: readonly string[] | null;
  /**
   * Rate limits of single queues, on top of the tenant's, merged per queue: a rate sets that
   * queue's, null removes it; null for the whole map removes them all.
   */
  queueRates?: Readonly<Record<string, Rate | null>> | null;
}

/** What a patch does to the per-queue rate limits (tenantry.queue_limits). */
export interface QueueRateChanges {
  /** Remove every queue's limit before the rest applies. */
  clear: boolean;
  set: Array<{ queue: string; rate: Rate }>;
  remove: string[];
}

export const LIMIT_RANGES = {
  concurrency: { min: 1, max: 1000 },
  weight: { min: 0.001, max: 1000 },
  rateLimit: { min: 1, max: 1_000_000 },
  ratePeriodMs: { min: 100, max: 86_400_000 },
  pausedQueues: { max: 100 },
  queueRates: { max: 100 },
} as const;

interface Columns {
  concurrency?: number | null;
  weight?: number | null;
  rate_limit?: number | null;
  rate_period_ms?: number | null;
  paused?: boolean;
  paused_queues?: string[];
}

function checkRange(field: string, value: number, range: { min: number; max: number }, integer: boolean) {
  if (
    !Number.isFinite(value) ||
    (integer && !Number.isInteger(value)) ||
    value < range.min ||
    value > range.max
  ) {
    throw invalid(
      field,
      `must be ${integer ? 'a whole number' : 'a number'} from ${range.min} to ${range.max}`,
    );
  }
}

/** The columns a patch writes, checked; `current` is the stored override rate a partial rate merges into. */
export function patchColumns(tenantId: string, patch: LimitsPatch, current: Rate | null): Columns {
  const columns: Columns = {};
  if (patch.concurrency !== undefined) {
    if (patch.concurrency !== null)
      checkRange('concurrency', patch.concurrency, LIMIT_RANGES.concurrency, true);
    columns.concurrency = patch.concurrency;
  }
  if (patch.weight !== undefined) {
    if (patch.weight !== null) checkRange('weight', patch.weight, LIMIT_RANGES.weight, false);
    columns.weight = patch.weight;
  }
  if (patch.rate === null) {
    columns.rate_limit = null;
    columns.rate_period_ms = null;
  } else if (patch.rate !== undefined) {
    const limit = patch.rate.limit ?? current?.limit;
    const periodMs = patch.rate.periodMs ?? current?.periodMs;
    if (limit === undefined) throw invalid('rate.limit', 'is required when the tenant has no rate override');
    if (periodMs === undefined)
      throw invalid('rate.period_ms', 'is required when the tenant has no rate override');
    checkRange('rate.limit', limit, LIMIT_RANGES.rateLimit, true);
    checkRange('rate.period_ms', periodMs, LIMIT_RANGES.ratePeriodMs, true);
    columns.rate_limit = limit;
    columns.rate_period_ms = periodMs;
  }
  if (patch.paused !== undefined) columns.paused = patch.paused ?? false;
  if (patch.pausedQueues !== undefined) {
    const queues = patch.pausedQueues ?? [];
    if (!Array.isArray(queues) || queues.length > LIMIT_RANGES.pausedQueues.max) {
      throw invalid(
        'paused_queues',
        `must be a list of at most ${LIMIT_RANGES.pausedQueues.max} queue names`,
      );
    }
    queues.forEach((q, i) => {
      assertQueueName(String(q), tenantId, `paused_queues.${i}`);
    });
    columns.paused_queues = [...new Set(queues)].sort();
  }
  return columns;
}

/** The per-queue rate changes a patch asks for, checked; undefined when it leaves them alone. */
export function queueRateChanges(tenantId: string, patch: LimitsPatch): QueueRateChanges | undefined {
  const rates = patch.queueRates;
  if (rates === undefined) return undefined;
  if (rates === null) return { clear: true, set: [], remove: [] };
  if (typeof rates !== 'object' || Array.isArray(rates)) {
    throw invalid('queue_rates', 'must be an object of queue names to {limit, period_ms} or null');
  }
  const entries = Object.entries(rates);
  if (entries.length > LIMIT_RANGES.queueRates.max) {
    throw invalid('queue_rates', `must name at most ${LIMIT_RANGES.queueRates.max} queues`);
  }
  const changes: QueueRateChanges = { clear: false, set: [], remove: [] };
  for (const [queue, rate] of entries) {
    assertQueueName(queue, tenantId, `queue_rates.${queue}`);
    if (rate === null) {
      changes.remove.push(queue);
      continue;
    }
    checkRange(`queue_rates.${queue}.limit`, rate.limit, LIMIT_RANGES.rateLimit, true);
    checkRange(`queue_rates.${queue}.period_ms`, rate.periodMs, LIMIT_RANGES.ratePeriodMs, true);
    changes.set.push({ queue, rate: { limit: rate.limit, periodMs: rate.periodMs } });
  }
  return changes;
}
