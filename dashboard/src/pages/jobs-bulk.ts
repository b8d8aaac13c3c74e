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

export type BulkAction = 'retry' | 'cancel' | 'run-now';

const jobs = (n: number) => `${n} job${n === 1 ? '' : 's'}`;

/** How each bulk action is named on the page: its confirmation, its outcome, its rows. */
export const BULK_WORDS: Record<
  BulkAction,
  {
    title: string;
    /** The confirmation's sentence: `{verb} {n} {which} jobs{after} matching …?` */
    verb: string;
    after: string;
    noun: string;
    confirm: (n: number) => string;
    done: (n: number) => string;
    which: string;
    none: string;
  }
> = {
  retry: {
    title: 'Retry jobs',
    verb: 'Retry',
    after: '',
    noun: 'retry',
    confirm: (n) => `Retry ${jobs(n)}`,
    done: (n) => `Retried ${jobs(n)}`,
    which: 'failed or cancelled',
    none: 'No job here can be retried.',
  },
  cancel: {
    title: 'Cancel jobs',
    verb: 'Cancel',
    after: '',
    noun: 'cancellation',
    confirm: (n) => `Cancel ${jobs(n)}`,
    done: (n) => `Cancelled ${jobs(n)}`,
    which: 'pending or running',
    none: 'No job here can be cancelled.',
  },
  'run-now': {
    title: 'Run jobs now',
    verb: 'Run',
    after: ' now',
    noun: 'run-now',
    confirm: (n) => `Run ${jobs(n)} now`,
    done: (n) => `Made ${jobs(n)} due now (each starts when its tenant may start it)`,
    which: 'delayed or backing-off',
    none: 'No job here is waiting for a later start.',
  },
};

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
