import { api, call } from '../api/client.ts';

export const FILTER_NAMES = [
  'status',
  'task',
  'tenant',
  'queue',
  'source_type',
  'source_id',
  'created_after',
  'created_before',
] as const;

export type Filter = Partial<Record<(typeof FILTER_NAMES)[number], string>> & {
  status?: 'pending' | 'running' | 'completed' | 'failed' | 'cancelled';
};

export type BulkAction = 'retry' | 'cancel';

export function describeFilter(filter: Filter): string {
  const parts = Object.entries(filter).map(([k, v]) => `${k.replace('_', ' ')} ${v}`);
  return parts.length ? parts.join(', ') : 'no filter (every job you can see)';
}

/**
 * Acts on what the confirmation counted, one bounded call after another. Every call carries the
 * count's `as_of`, so a retried job that fails again at once (or a job dispatched since) is not
 * taken a second time, and the loop stops once as many were acted on as were confirmed.
 */
export async function bulkAll(
  action: BulkAction,
  filter: Filter,
  confirmed: { matched: number; asOf: string },
  ids?: string[],
): Promise<{ done: number; skipped: number }> {
  let done = 0;
  let skipped = 0;
  while (done + skipped < confirmed.matched) {
    const limit = Math.min(200, confirmed.matched - done - skipped);
    const result = await call(
      api.POST(`/api/job-logs/${action}`, {
        body: { filter, ...(ids ? { ids } : {}), limit, as_of: confirmed.asOf },
      }),
    );
    done += result.done.length;
    skipped += result.skipped.length;
    if (result.remaining === 0 || result.done.length + result.skipped.length === 0) break;
  }
  return { done, skipped };
}
