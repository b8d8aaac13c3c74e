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

/** Acts on everything the filter selects, one bounded call after another, until nothing is left. */
export async function bulkAll(
  action: BulkAction,
  filter: Filter,
  ids?: string[],
): Promise<{ done: number; skipped: number }> {
  let done = 0;
  let skipped = 0;
  for (let round = 0; round < 1000; round++) {
    const result = await call(
      api.POST(`/api/job-logs/${action}`, { body: { filter, ...(ids ? { ids } : {}), limit: 200 } }),
    );
    done += result.done.length;
    skipped += result.skipped.length;
    if (result.remaining === 0 || result.done.length === 0) break;
  }
  return { done, skipped };
}
